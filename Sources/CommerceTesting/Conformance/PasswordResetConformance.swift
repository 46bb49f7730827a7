import CommerceCore
import Foundation

/// The ``PasswordResetStore`` contract as runnable checks. A reset sets the user's password, ends their
/// sessions and records its event at once, so the store under test is a whole ``UserStore``.
public enum PasswordResetConformance {
    /// Runs every check, each on a fresh store from `makeStore`.
    public static func run(makeStore: () async throws -> any UserStore) async throws {
        try await runAll(checks, makeStore: makeStore)
    }

    /// Each check on its own, for one test case per check.
    public static let checks: [ConformanceCheck<any UserStore>] = [
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
        ConformanceCheck("expired reset tokens are swept, live ones kept") { store in
            let record = Fixtures.record()
            try await store.insert(record)
            for minutes in [10, 20, 40] {
                _ = try await store.issueResetToken(
                    hash: OpaqueToken().hash, forEmail: record.user.email, issuedAt: Fixtures.epoch,
                    expiresAt: Fixtures.epoch.addingTimeInterval(Double(minutes) * 60))
            }
            let now = Fixtures.epoch.addingTimeInterval(30 * 60)
            try require(try await store.sweepExpiredResetTokens(now: now, limit: 1) == 1, "the limit was not kept")
            try require(try await store.sweepExpiredResetTokens(now: now, limit: 10) == 1, "not exactly the 2 expired")
            try require(try await store.sweepExpiredResetTokens(now: now, limit: 10) == 0, "swept twice")
        },
    ]
}
