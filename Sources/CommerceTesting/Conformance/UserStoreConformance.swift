import CommerceCore
import Foundation

/// The ``UserStore`` contract as runnable checks. Every store, ours and yours, must pass them all.
public enum UserStoreConformance {
    /// Runs every check, each on a fresh store from `makeStore`.
    public static func run(makeStore: () async throws -> any UserStore) async throws {
        try await runAll(checks, makeStore: makeStore)
    }

    /// Each check on its own, for one test case per check.
    public static let checks: [ConformanceCheck<any UserStore>] = [
        ConformanceCheck("a stored user reads back unchanged by id and by email") { store in
            let record = Fixtures.record()
            try await store.insert(record)
            try require(try await store.user(id: record.user.id) == record, "by id: not the stored record")
            try require(try await store.user(email: record.user.email) == record, "by email: not the stored record")
            try require(try await store.user(id: UserID()) == nil, "an unknown id found a user")
            let unknown = EmailAddress(trusted: "nobody@example.com")
            try require(try await store.user(email: unknown) == nil, "an unknown email found a user")
        },
        ConformanceCheck("a role reads back; setting it changes only the role and updatedAt") { store in
            let customer = Fixtures.record()
            var staff = Fixtures.record()
            staff.user.role = .staff
            try await store.insert(customer)
            try await store.insert(staff)
            try require(try await store.user(id: customer.user.id)?.user.role == .customer, "a new user is a customer")
            try require(try await store.user(id: staff.user.id) == staff, "a staff user did not read back")
            let later = Fixtures.epoch.addingTimeInterval(60)
            let promoted = try await store.setRole(customer.user.id, to: .staff, at: later)
            var expected = customer
            expected.user.role = .staff
            expected.user.updatedAt = later
            try require(
                promoted == expected, "setRole did not answer the promoted user with only role and updatedAt changed")
            try require(try await store.user(email: customer.user.email) == expected, "the new role did not read back")
            _ = try await store.setRole(customer.user.id, to: .customer, at: later)
            try require(try await store.user(id: customer.user.id)?.user.role == .customer, "demotion did not stick")
            try require(try await store.setRole(UserID(), to: .staff, at: later) == nil, "an unknown id got a role")
        },
        ConformanceCheck("a refresh token rotates once; presented again it ends its session") { store in
            let record = Fixtures.record()
            try await store.insert(record)
            let session = SessionID()
            let first = Fixtures.refreshToken(of: record.user.id, in: session)
            try await store.startSession(first)
            let second = Fixtures.refreshToken(of: record.user.id, in: session)
            let rotated = try await store.rotate(
                refreshTokenHash: first.hash, nextHash: second.hash, nextExpiresAt: Fixtures.dayLater,
                now: Fixtures.epoch)
            try require(rotated == .rotated(userId: record.user.id, sessionId: session), "a live token: \(rotated)")
            let third = Fixtures.refreshToken(of: record.user.id, in: session)
            let reused = try await store.rotate(
                refreshTokenHash: first.hash, nextHash: third.hash, nextExpiresAt: Fixtures.dayLater,
                now: Fixtures.epoch)
            try require(reused == .reused(userId: record.user.id, sessionId: session), "a spent token: \(reused)")
            let after = try await store.rotate(
                refreshTokenHash: second.hash, nextHash: third.hash, nextExpiresAt: Fixtures.dayLater,
                now: Fixtures.epoch)
            try require(after == .unknown, "a reuse must end the whole session, but its newest token rotated")
            let stranger = try await store.rotate(
                refreshTokenHash: "no-such-hash", nextHash: OpaqueToken().hash, nextExpiresAt: Fixtures.dayLater,
                now: Fixtures.epoch)
            try require(stranger == .unknown, "an unknown token rotated")
        },
        ConformanceCheck("an expired refresh token does not rotate, and is swept") { store in
            let record = Fixtures.record()
            try await store.insert(record)
            let token = Fixtures.refreshToken(of: record.user.id, in: SessionID())
            try await store.startSession(token)
            let late = try await store.rotate(
                refreshTokenHash: token.hash, nextHash: OpaqueToken().hash, nextExpiresAt: Fixtures.dayLater,
                now: token.expiresAt)
            try require(late == .unknown, "an expired token rotated")
            try require(
                try await store.sweepExpiredTokens(now: token.expiresAt.addingTimeInterval(-1), limit: 10) == 0,
                "a live token was swept")
            try require(
                try await store.sweepExpiredTokens(now: token.expiresAt, limit: 10) == 1,
                "the expired token stayed")
        },
        ConformanceCheck("of two racing rotations of one token, one rotates and the other is reuse") { store in
            let record = Fixtures.record()
            try await store.insert(record)
            let first = Fixtures.refreshToken(of: record.user.id, in: SessionID())
            try await store.startSession(first)
            async let a = store.rotate(
                refreshTokenHash: first.hash, nextHash: OpaqueToken().hash, nextExpiresAt: Fixtures.dayLater,
                now: Fixtures.epoch)
            async let b = store.rotate(
                refreshTokenHash: first.hash, nextHash: OpaqueToken().hash, nextExpiresAt: Fixtures.dayLater,
                now: Fixtures.epoch)
            let outcomes = try await [a, b]
            let rotated = outcomes.filter { if case .rotated = $0 { true } else { false } }.count
            let reused = outcomes.filter { if case .reused = $0 { true } else { false } }.count
            try require(rotated == 1 && reused == 1, "racing rotations: \(outcomes)")
        },
        ConformanceCheck("ended sessions never rotate again; other sessions are untouched") { store in
            let record = Fixtures.record()
            let other = Fixtures.record()
            try await store.insert(record)
            try await store.insert(other)
            let one = Fixtures.refreshToken(of: record.user.id, in: SessionID())
            let two = Fixtures.refreshToken(of: record.user.id, in: SessionID())
            let elsewhere = Fixtures.refreshToken(of: other.user.id, in: SessionID())
            for token in [one, two, elsewhere] { try await store.startSession(token) }
            func rotate(_ token: RefreshTokenRecord) async throws -> RefreshOutcome {
                try await store.rotate(
                    refreshTokenHash: token.hash, nextHash: OpaqueToken().hash, nextExpiresAt: Fixtures.dayLater,
                    now: Fixtures.epoch)
            }
            try await store.endSession(one.sessionId, at: Fixtures.epoch)
            try require(try await rotate(one) == .unknown, "an ended session's token rotated")
            try await store.endSessions(of: record.user.id, at: Fixtures.epoch)
            try require(try await rotate(two) == .unknown, "after ending every session, one rotated")
            let next = Fixtures.refreshToken(of: other.user.id, in: elsewhere.sessionId)
            let kept = try await store.rotate(
                refreshTokenHash: elsewhere.hash, nextHash: next.hash, nextExpiresAt: Fixtures.dayLater,
                now: Fixtures.epoch)
            try require(
                kept == .rotated(userId: other.user.id, sessionId: elsewhere.sessionId), "another user's session ended")
            let fresh = Fixtures.refreshToken(of: record.user.id, in: SessionID())
            try await store.startSession(fresh)
            try require(
                try await rotate(fresh) == .rotated(userId: record.user.id, sessionId: fresh.sessionId),
                "a session started after ending them all did not rotate")
            _ = try await store.delete(other.user.id, at: Fixtures.epoch)
            let deleted = try await store.rotate(
                refreshTokenHash: next.hash, nextHash: OpaqueToken().hash, nextExpiresAt: Fixtures.dayLater,
                now: Fixtures.epoch)
            try require(deleted == .unknown, "a deleted user's live token rotated")
        },
        ConformanceCheck("a profile update is a compare-and-set that changes only the profile") { store in
            let record = Fixtures.record()
            let other = Fixtures.record()
            try await store.insert(record)
            try await store.insert(other)
            let later = Fixtures.epoch.addingTimeInterval(60)
            var changed = record.user
            changed.username = Username(trusted: "Ann Changed")
            changed.email = EmailAddress(trusted: "changed-\(record.user.id.description.prefix(8))@example.com")
            changed.phone = nil
            changed.address = PostalAddress(street: nil, city: "Shelbyville", state: nil, postalCode: nil)
            changed.updatedAt = later
            var sneaky = changed
            sneaky.role = .staff  // a profile update never changes the role
            try require(
                try await store.updateProfile(sneaky, ifUpdatedAt: record.user.updatedAt),
                "a current update was refused")
            let stored = try await store.user(id: record.user.id)
            try require(
                stored == UserRecord(user: changed, passwordHash: record.passwordHash), "not the profile stored")
            try require(try await store.user(email: changed.email) == stored, "not found by the new email")
            try require(try await store.user(email: record.user.email) == nil, "still found by the old email")
            var stale = changed
            stale.username = Username(trusted: "Too Late")
            stale.updatedAt = later.addingTimeInterval(1)
            try require(
                try await store.updateProfile(stale, ifUpdatedAt: record.user.updatedAt) == false,
                "an update from a stale updatedAt succeeded")
            try require(try await store.user(id: record.user.id) == stored, "a refused update changed the user")
            var taking = changed
            taking.email = other.user.email
            taking.updatedAt = later.addingTimeInterval(2)
            try await requireError(.conflict, "taking another user's email") {
                try await store.updateProfile(taking, ifUpdatedAt: later)
            }
            try require(try await store.user(id: record.user.id) == stored, "a refused email change changed the user")
        },
        ConformanceCheck("optional fields read back as nil") { store in
            var record = Fixtures.record()
            record.user.phone = nil
            record.user.address = nil
            try await store.insert(record)
            try require(try await store.user(id: record.user.id) == record, "nil phone or address came back changed")
        },
        ConformanceCheck("a taken email is a conflict and stores nothing") { store in
            let first = Fixtures.record(email: "taken@example.com")
            let second = Fixtures.record(email: "taken@example.com")
            try await store.insert(first)
            try await requireError(.conflict, "second insert") { try await store.insert(second) }
            try require(try await store.user(id: second.user.id) == nil, "the refused user was stored")
            try require(try await store.user(email: first.user.email) == first, "the first user changed")
        },
        ConformanceCheck("a taken id is a conflict") { store in
            let first = Fixtures.record()
            var second = Fixtures.record()
            second.user = User(
                id: first.user.id, username: second.user.username, email: second.user.email,
                createdAt: second.user.createdAt, updatedAt: second.user.updatedAt)
            try await store.insert(first)
            try await requireError(.conflict, "insert with a taken id") { try await store.insert(second) }
            try require(try await store.user(email: second.user.email) == nil, "the refused user was stored")
        },
        ConformanceCheck("concurrent inserts of one email: exactly one wins") { store in
            let records = (0..<20).map { _ in Fixtures.record(email: "race@example.com") }
            let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
                for record in records {
                    group.addTask {
                        do {
                            try await store.insert(record)
                            return true
                        } catch let error as CommerceError where error.code == .conflict {
                            return false
                        }
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            try require(wins == 1, "\(wins) inserts of one email succeeded")
        },
        ConformanceCheck("delete removes the user and records one pending event") { store in
            let record = Fixtures.record()
            try await store.insert(record)
            let at = Fixtures.epoch.addingTimeInterval(60)
            let requestID = RequestID("conformance-delete-1")
            let event = try await store.delete(record.user.id, at: at, requestID: requestID)
            try require(event?.userId == record.user.id, "no event for the deleted user")
            try require(event?.occurredAt == at, "the event's time is not the deletion time")
            try require(event?.requestID == requestID, "the event lost the request id")
            try require(try await store.user(id: record.user.id) == nil, "the user is still there by id")
            try require(try await store.user(email: record.user.email) == nil, "the user is still there by email")
            try require(try await store.pendingEvents(limit: 10) == [event!], "the event is not pending")
            try await store.insert(Fixtures.record(email: record.user.email.value))
        },
        ConformanceCheck("deleting an unknown or deleted user does nothing") { store in
            let record = Fixtures.record()
            try await store.insert(record)
            _ = try await store.delete(record.user.id, at: Fixtures.epoch)
            try require(try await store.delete(record.user.id, at: Fixtures.epoch) == nil, "deleted twice")
            try require(try await store.delete(UserID(), at: Fixtures.epoch) == nil, "deleted an unknown id")
            try require(try await store.pendingEvents(limit: 10).count == 1, "extra events were recorded")
        },
        ConformanceCheck("pending events come oldest first, limited, until marked delivered") { store in
            var events: [OutboxEvent] = []
            for minute in 0..<5 {
                let record = Fixtures.record()
                try await store.insert(record)
                let at = Fixtures.epoch.addingTimeInterval(Double(minute) * 60)
                events.append(try required(try await store.delete(record.user.id, at: at), "delete recorded no event"))
            }
            try require(try await store.pendingEvents(limit: 3) == Array(events.prefix(3)), "not oldest first")
            try await store.markDelivered(events[1].id)
            try await store.markDelivered(events[1].id)
            try await store.markDelivered(EventID())
            let rest = [events[0]] + events[2...]
            try require(try await store.pendingEvents(limit: 10) == rest, "a delivered event is still pending")
            for event in rest { try await store.markDelivered(event.id) }
            try require(try await store.pendingEvents(limit: 10).isEmpty, "events left after delivering all")
        },
        ConformanceCheck("a revocation ends every session, marks the user and records its event at once") { store in
            let record = Fixtures.record()
            let other = Fixtures.record()
            try await store.insert(record)
            try await store.insert(other)
            let id = record.user.id
            let tokens = [SessionID(), SessionID()].map { Fixtures.refreshToken(of: id, in: $0) }
            for token in tokens { try await store.startSession(token) }
            let bystander = Fixtures.refreshToken(of: other.user.id, in: SessionID())
            try await store.startSession(bystander)
            let at = Fixtures.epoch.addingTimeInterval(60)
            let requestID = RequestID("revoke-1")
            let event = try required(
                try await store.revokeSessions(
                    SessionRevocation(userId: id, tokensIssuedBefore: at, requestID: requestID)),
                "a revocation of a stored user recorded no event")
            try require(
                event.userId == id && event.kind == .tokensRevoked(issuedBefore: at) && event.requestID == requestID,
                "the event does not name the user, the mark and the request")
            try require(try await store.pendingEvents(limit: 10) == [event], "the event is not pending as returned")
            var expected = record
            expected.tokensVoidBefore = at
            try require(try await store.user(id: id) == expected, "the mark did not read back, or more changed")
            for token in tokens {
                let outcome = try await store.rotate(
                    refreshTokenHash: token.hash, nextHash: OpaqueToken().hash, nextExpiresAt: Fixtures.dayLater,
                    now: at)
                try require(outcome == .unknown, "a session of the revoked user still rotates")
            }
            let untouched = try await store.rotate(
                refreshTokenHash: bystander.hash, nextHash: OpaqueToken().hash, nextExpiresAt: Fixtures.dayLater,
                now: at)
            try require(
                untouched == .rotated(userId: other.user.id, sessionId: bystander.sessionId),
                "another user's session ended")
            try require(
                try await store.revokeSessions(SessionRevocation(userId: UserID(), tokensIssuedBefore: at)) == nil,
                "a revocation of an unknown user recorded something")
            try require(
                try await store.pendingEvents(limit: 10).count == 1, "an unknown user's revocation left an event")
        },
        ConformanceCheck("a revocation keeps the later mark, stores a new hash and starts the session it brings") {
            store in
            let record = Fixtures.record()
            try await store.insert(record)
            let id = record.user.id
            let later = Fixtures.epoch.addingTimeInterval(120)
            _ = try await store.revokeSessions(SessionRevocation(userId: id, tokensIssuedBefore: later))
            let fresh = RefreshTokenRecord(
                hash: OpaqueToken().hash, sessionId: SessionID(), userId: id, issuedAt: later,
                expiresAt: Fixtures.dayLater)
            let older = SessionRevocation(
                userId: id, tokensIssuedBefore: Fixtures.epoch.addingTimeInterval(60), passwordHash: "$2b$04$new-hash",
                newSession: fresh)
            let event = try required(try await store.revokeSessions(older), "no event")
            try require(
                event.kind == .tokensRevoked(issuedBefore: later), "the event does not carry the stored (later) mark")
            let stored = try required(try await store.user(id: id), "the user is gone")
            try require(stored.tokensVoidBefore == later, "an older revocation moved the mark back")
            try require(stored.passwordHash == "$2b$04$new-hash", "the new password hash was not stored")
            try require(stored.user == record.user, "the revocation changed the profile")
            let outcome = try await store.rotate(
                refreshTokenHash: fresh.hash, nextHash: OpaqueToken().hash, nextExpiresAt: Fixtures.dayLater,
                now: later)
            try require(
                outcome == .rotated(userId: id, sessionId: fresh.sessionId), "the revocation ended its own new session")
        },
        ConformanceCheck("an event recorded on its own is pending exactly as given") { store in
            let event = OutboxEvent(
                userId: nil, kind: .passwordResetRequested(email: EmailAddress(trusted: "who@example.com")),
                occurredAt: Fixtures.epoch, requestID: RequestID("reset-1"))
            try await store.recordEvent(event)
            try require(try await store.pendingEvents(limit: 10) == [event], "the event did not read back as given")
            try await store.markDelivered(event.id)
            try require(try await store.pendingEvents(limit: 10).isEmpty, "a delivered event is still pending")
        },
        ConformanceCheck("a reset token is issued only for a known email, and confirms once") { store in
            let record = Fixtures.record()
            try await store.insert(record)
            let id = record.user.id
            let session = Fixtures.refreshToken(of: id, in: SessionID())
            try await store.startSession(session)
            let expiresAt = Fixtures.epoch.addingTimeInterval(1800)
            let unknown = EmailAddress(trusted: "nobody@example.com")
            try require(
                try await store.issueResetToken(
                    hash: OpaqueToken().hash, forEmail: unknown, issuedAt: Fixtures.epoch, expiresAt: expiresAt) == nil,
                "a token was issued for an unknown email")
            let (first, second) = (OpaqueToken(), OpaqueToken())
            for token in [first, second] {
                let issued = try await store.issueResetToken(
                    hash: token.hash, forEmail: record.user.email, issuedAt: Fixtures.epoch, expiresAt: expiresAt)
                try require(issued == id, "the token was not issued to the email's user")
            }
            let now = Fixtures.epoch.addingTimeInterval(60)
            let mark = Date(millisecondsSince1970: now.millisecondsSince1970 + 1)
            func confirm(_ hash: String, at date: Date = now) async throws -> OutboxEvent? {
                try await store.confirmPasswordReset(
                    tokenHash: hash, passwordHash: "$2b$04$reset-hash", now: date, tokensIssuedBefore: mark,
                    requestID: nil)
            }
            try require(try await confirm(OpaqueToken().hash) == nil, "an unknown token confirmed")
            try require(try await confirm(first.hash, at: expiresAt) == nil, "an expired token confirmed")
            let event = try required(try await confirm(first.hash), "a live token did not confirm")
            try require(
                event.userId == id && event.kind == .tokensRevoked(issuedBefore: mark),
                "the confirmation's event is not the user's revocation")
            let stored = try required(try await store.user(id: id), "the user is gone")
            try require(stored.passwordHash == "$2b$04$reset-hash", "the new password hash was not stored")
            try require(stored.tokensVoidBefore == mark, "the user's tokens were not voided")
            let outcome = try await store.rotate(
                refreshTokenHash: session.hash, nextHash: OpaqueToken().hash, nextExpiresAt: Fixtures.dayLater, now: now
            )
            try require(outcome == .unknown, "a session survived the reset")
            try require(try await confirm(first.hash) == nil, "a used token confirmed again")
            try require(try await confirm(second.hash) == nil, "the user's other reset token survived the reset")
        },
        ConformanceCheck("of racing confirmations of one reset token, exactly one succeeds") { store in
            let record = Fixtures.record()
            try await store.insert(record)
            let token = OpaqueToken()
            _ = try await store.issueResetToken(
                hash: token.hash, forEmail: record.user.email, issuedAt: Fixtures.epoch,
                expiresAt: Fixtures.epoch.addingTimeInterval(1800))
            let now = Fixtures.epoch.addingTimeInterval(60)
            let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try await store.confirmPasswordReset(
                            tokenHash: token.hash, passwordHash: "$2b$04$reset-hash", now: now,
                            tokensIssuedBefore: now, requestID: nil) != nil
                    }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            try require(outcomes.filter { $0 }.count == 1, "\(outcomes.filter { $0 }.count) confirmations succeeded")
        },
        ConformanceCheck("expired reset tokens are swept with expired refresh tokens") { store in
            let record = Fixtures.record()
            try await store.insert(record)
            for minutes in [10, 20, 40] {
                _ = try await store.issueResetToken(
                    hash: OpaqueToken().hash, forEmail: record.user.email, issuedAt: Fixtures.epoch,
                    expiresAt: Fixtures.epoch.addingTimeInterval(Double(minutes) * 60))
            }
            let now = Fixtures.epoch.addingTimeInterval(30 * 60)
            try require(try await store.sweepExpiredTokens(now: now, limit: 10) == 2, "not exactly the 2 expired")
            try require(try await store.sweepExpiredTokens(now: now, limit: 10) == 0, "swept twice")
        },
        ConformanceCheck("the backlog counts pending events and dates the oldest") { store in
            try require(try await store.outboxBacklog() == .empty, "an empty store has a backlog")
            var events: [OutboxEvent] = []
            for minute in [3, 1, 2] {
                let record = Fixtures.record()
                try await store.insert(record)
                events.append(
                    try required(
                        try await store.delete(
                            record.user.id, at: Fixtures.epoch.addingTimeInterval(Double(minute) * 60)),
                        "delete recorded no event"))
            }
            let expected = OutboxBacklog(count: 3, oldestOccurredAt: Fixtures.epoch.addingTimeInterval(60))
            try require(try await store.outboxBacklog() == expected, "wrong count or oldest time")
            try await store.markDelivered(events[1].id)
            let after = OutboxBacklog(count: 2, oldestOccurredAt: Fixtures.epoch.addingTimeInterval(120))
            try require(try await store.outboxBacklog() == after, "a delivered event still counts")
        },
    ]

    /// The checks of ``UserStore/claimPendingEvents(limit:now:leaseEnd:)`` for a store several processes
    /// share (the PostgreSQL store): leases keep two claimants off one event. A store for one process
    /// (in-memory, SQLite) need not pass them; its claims are its pending events.
    public static let sharedStoreChecks: [ConformanceCheck<any UserStore>] = [
        ConformanceCheck("claims hand each event to one claimant until its lease ends") { store in
            var events: [OutboxEvent] = []
            for minute in 0..<6 {
                let record = Fixtures.record()
                try await store.insert(record)
                events.append(
                    try required(
                        try await store.delete(
                            record.user.id, at: Fixtures.epoch.addingTimeInterval(Double(minute) * 60)),
                        "delete recorded no event"))
            }
            let now = Fixtures.epoch.addingTimeInterval(3600)
            let leaseEnd = now.addingTimeInterval(60)
            async let first = store.claimPendingEvents(limit: 2, now: now, leaseEnd: leaseEnd)
            async let second = store.claimPendingEvents(limit: 2, now: now, leaseEnd: leaseEnd)
            let (a, b) = try await (first, second)
            try require(a.count == 2 && b.count == 2, "two claims of 2 got \(a.count) and \(b.count)")
            try require(Set(a.map(\.id)).isDisjoint(with: b.map(\.id)), "one event went to both claimants")
            let rest = try await store.claimPendingEvents(limit: 10, now: now, leaseEnd: leaseEnd)
            try require(Set(a.map(\.id) + b.map(\.id) + rest.map(\.id)) == Set(events.map(\.id)), "claims lost events")
            try require(rest == rest.sorted { $0.occurredAt < $1.occurredAt }, "claims are not oldest first")
            try require(
                try await store.claimPendingEvents(limit: 10, now: now, leaseEnd: leaseEnd).isEmpty,
                "a leased event was claimed again within its lease")
            try await store.markDelivered(events[0].id)
            let later = try await store.claimPendingEvents(
                limit: 10, now: leaseEnd.addingTimeInterval(1), leaseEnd: leaseEnd.addingTimeInterval(61))
            try require(later == Array(events.dropFirst()), "after the lease, every undelivered event is offered again")
        },
        ConformanceCheck("a released event is offered to the next claim at once") { store in
            let record = Fixtures.record()
            try await store.insert(record)
            let event = try required(try await store.delete(record.user.id, at: Fixtures.epoch), "no event")
            let now = Fixtures.epoch.addingTimeInterval(1)
            let claimed = try await store.claimPendingEvents(
                limit: 10, now: now, leaseEnd: now.addingTimeInterval(60))
            try require(
                try await store.claimPendingEvents(limit: 10, now: now, leaseEnd: now.addingTimeInterval(60))
                    .isEmpty,
                "a claimed event was claimed again within its lease")
            try await store.releaseClaim(event.id)
            let again = try await store.claimPendingEvents(limit: 10, now: now, leaseEnd: now.addingTimeInterval(60))
            try require(
                again.map(\.id) == [event.id],
                "a released event was not offered again (claimed first: \(claimed.count))")
            try require(try await store.pendingEvents(limit: 10).map(\.id) == [event.id], "releasing delivered it")
        },
    ]
}
