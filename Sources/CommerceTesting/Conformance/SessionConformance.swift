import CommerceCore
import Foundation

/// The ``SessionStore`` contract as runnable checks. Sessions belong to the store's users, and a
/// revocation marks the user and records its event in the outbox, so the store under test is all three.
public enum SessionConformance {
    /// Runs every check, each on a fresh store from `makeStore`.
    public static func run(makeStore: () async throws -> any OutboxStore & SessionStore & UserRecordStore) async throws
    {
        try await runAll(checks, makeStore: makeStore)
    }

    /// Each check on its own, for one test case per check.
    public static let checks: [ConformanceCheck<any OutboxStore & SessionStore & UserRecordStore>] = [
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
            try require(
                rotated == .rotated(userId: record.user.id, sessionId: session, spentIssuedAt: first.issuedAt),
                "a live token: \(rotated)")
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
        ConformanceCheck("a successor is never issued before the token it replaces, whatever the clock says") { store in
            let record = Fixtures.record()
            try await store.insert(record)
            let ahead = Fixtures.epoch.addingTimeInterval(120)
            let first = RefreshTokenRecord(
                hash: OpaqueToken().hash, sessionId: SessionID(), userId: record.user.id, issuedAt: ahead,
                expiresAt: Fixtures.dayLater)
            try await store.startSession(first)
            let second = Fixtures.refreshToken(of: record.user.id, in: first.sessionId)
            _ = try await store.rotate(
                refreshTokenHash: first.hash, nextHash: second.hash, nextExpiresAt: Fixtures.dayLater,
                now: Fixtures.epoch)
            let outcome = try await store.rotate(
                refreshTokenHash: second.hash, nextHash: OpaqueToken().hash, nextExpiresAt: Fixtures.dayLater,
                now: Fixtures.epoch)
            try require(
                outcome == .rotated(userId: record.user.id, sessionId: first.sessionId, spentIssuedAt: ahead),
                "a successor rotated on a clock behind its session's start must be issued at that start: \(outcome)")
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
                try await store.sweepExpiredRefreshTokens(now: token.expiresAt.addingTimeInterval(-1), limit: 10) == 0,
                "a live token was swept")
            try require(
                try await store.sweepExpiredRefreshTokens(now: token.expiresAt, limit: 10) == 1,
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
                kept
                    == .rotated(
                        userId: other.user.id, sessionId: elsewhere.sessionId, spentIssuedAt: elsewhere.issuedAt),
                "another user's session ended")
            let fresh = Fixtures.refreshToken(of: record.user.id, in: SessionID())
            try await store.startSession(fresh)
            try require(
                try await rotate(fresh)
                    == .rotated(userId: record.user.id, sessionId: fresh.sessionId, spentIssuedAt: fresh.issuedAt),
                "a session started after ending them all did not rotate")
            _ = try await store.delete(other.user.id, at: Fixtures.epoch)
            let deleted = try await store.rotate(
                refreshTokenHash: next.hash, nextHash: OpaqueToken().hash, nextExpiresAt: Fixtures.dayLater,
                now: Fixtures.epoch)
            try require(deleted == .unknown, "a deleted user's live token rotated")
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
                untouched
                    == .rotated(
                        userId: other.user.id, sessionId: bystander.sessionId, spentIssuedAt: bystander.issuedAt),
                "another user's session ended")
            try require(
                try await store.revokeSessions(SessionRevocation(userId: UserID(), tokensIssuedBefore: at)) == nil,
                "a revocation of an unknown user recorded something")
            try require(
                try await store.pendingEvents(limit: 10).count == 1, "an unknown user's revocation left an event")
        },
        ConformanceCheck(
            "a revocation goes past the stored mark, stores a new hash and starts the session it brings at its mark"
        ) { store in
            let record = Fixtures.record()
            try await store.insert(record)
            let id = record.user.id
            let later = Fixtures.epoch.addingTimeInterval(120)
            _ = try await store.revokeSessions(SessionRevocation(userId: id, tokensIssuedBefore: later))
            // A sign-in right after stamps its token at `later`; this revocation, though its own time is
            // earlier, must void that token too.
            let past = WholeMilliseconds.date(since1970: WholeMilliseconds.since1970(later) + 1)
            let fresh = RefreshTokenRecord(
                hash: OpaqueToken().hash, sessionId: SessionID(), userId: id, issuedAt: later,
                expiresAt: Fixtures.dayLater)
            let older = SessionRevocation(
                userId: id, tokensIssuedBefore: Fixtures.epoch.addingTimeInterval(60), passwordHash: "$2b$04$new-hash",
                newSession: fresh)
            let event = try required(try await store.revokeSessions(older), "no event")
            try require(
                event.kind == .tokensRevoked(issuedBefore: past),
                "the event does not carry the stored mark, a millisecond past the one before")
            let stored = try required(try await store.user(id: id), "the user is gone")
            try require(stored.tokensVoidBefore == past, "the mark did not go past the one before")
            try require(stored.passwordHash == "$2b$04$new-hash", "the new password hash was not stored")
            try require(stored.user == record.user, "the revocation changed the profile")
            let outcome = try await store.rotate(
                refreshTokenHash: fresh.hash, nextHash: OpaqueToken().hash, nextExpiresAt: Fixtures.dayLater,
                now: later)
            try require(
                outcome == .rotated(userId: id, sessionId: fresh.sessionId, spentIssuedAt: past),
                "the revocation's own new session did not start at its mark")
            let newer = later.addingTimeInterval(60)
            _ = try await store.revokeSessions(SessionRevocation(userId: id, tokensIssuedBefore: newer))
            try require(
                try await store.user(id: id)?.tokensVoidBefore == newer, "a later revocation did not keep its own time")
        },
    ]
}
