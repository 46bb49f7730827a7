import CommerceCore
import CommerceInMemory
import CommerceTesting
import Foundation
import Synchronization
import Testing

/// A refresh is two steps (rotate the token, then read the user to sign in); a revocation can commit between
/// them. These tests put one there on purpose.
@Suite("A refresh racing a revocation")
struct RefreshRacingRevocationTests {
    @Test func aSessionRevokedBetweenItsRotationAndTheSignInGetsNoToken() async throws {
        let store = RevokingAfterRotation()
        let harness = try await CommerceHarness(userStore: store)
        let (_, session) = try await harness.registerAndSignIn()
        store.revokeAfterNextRotation()
        let error = await #expect(throws: CommerceError.self) {
            try await harness.users.refresh(session.refreshToken)
        }
        #expect(error?.code == .unauthenticated, "the refresh must not outlive the revocation")
        #expect(store.revocations == 1, "the revocation ran between the rotation and the sign-in")
    }

    @Test func aSessionStartedAfterTheRevocationRefreshesOnAndOn() async throws {
        let store = RevokingAfterRotation()
        let harness = try await CommerceHarness(userStore: store)
        let password = "correct horse battery"
        let (user, revoked) = try await harness.registerAndSignIn(password: password)
        store.revokeAfterNextRotation()
        _ = try? await harness.users.refresh(revoked.refreshToken)
        var refresh = try await harness.users.login(email: user.email.value, password: password).refreshToken
        for _ in 0..<3 {
            let next = try await harness.users.refresh(refresh)
            #expect(try await harness.users.authenticate(bearer: next.token) == .user(user.id))
            refresh = next.refreshToken
        }
    }
}

/// An in-memory user store that, once asked, revokes the user's sessions right after the next rotation
/// commits, as a "log out everywhere" landing at that moment would (its mark one millisecond past the
/// rotation's time, as ``UserService`` sets it).
private final class RevokingAfterRotation: UserStore {
    private let inner = InMemoryUserStore()
    private let armed = Mutex(false)
    private let count = Mutex(0)

    func revokeAfterNextRotation() { armed.withLock { $0 = true } }
    var revocations: Int { count.withLock { $0 } }

    func rotate(refreshTokenHash: String, nextHash: String, nextExpiresAt: Date, now: Date) async throws
        -> RefreshOutcome
    {
        let outcome = try await inner.rotate(
            refreshTokenHash: refreshTokenHash, nextHash: nextHash, nextExpiresAt: nextExpiresAt, now: now)
        guard case .rotated(let userId, _, _) = outcome,
            armed.withLock({ armed in
                defer { armed = false }
                return armed
            })
        else { return outcome }
        let mark = Date(millisecondsSince1970: now.millisecondsSince1970 + 1)
        _ = try await inner.revokeSessions(SessionRevocation(userId: userId, tokensIssuedBefore: mark))
        count.withLock { $0 += 1 }
        return outcome
    }

    func insert(_ record: UserRecord) async throws { try await inner.insert(record) }
    func user(id: UserID) async throws -> UserRecord? { try await inner.user(id: id) }
    func user(email: EmailAddress) async throws -> UserRecord? { try await inner.user(email: email) }
    func updateProfile(_ user: User, ifUpdatedAt previous: Date) async throws -> Bool {
        try await inner.updateProfile(user, ifUpdatedAt: previous)
    }
    func setRole(_ id: UserID, to role: UserRole, at date: Date) async throws -> UserRecord? {
        try await inner.setRole(id, to: role, at: date)
    }
    func delete(_ id: UserID, at date: Date, requestID: RequestID?) async throws -> OutboxEvent? {
        try await inner.delete(id, at: date, requestID: requestID)
    }
    func checkReadiness() async throws { try await inner.checkReadiness() }
    func startSession(_ first: RefreshTokenRecord) async throws { try await inner.startSession(first) }
    func endSession(_ id: SessionID, at date: Date) async throws { try await inner.endSession(id, at: date) }
    func endSessions(of userId: UserID, at date: Date) async throws {
        try await inner.endSessions(of: userId, at: date)
    }
    func revokeSessions(_ revocation: SessionRevocation) async throws -> OutboxEvent? {
        try await inner.revokeSessions(revocation)
    }
    func sweepExpiredRefreshTokens(now: Date, limit: Int) async throws -> Int {
        try await inner.sweepExpiredRefreshTokens(now: now, limit: limit)
    }
    func issueResetToken(hash: String, forEmail email: EmailAddress, issuedAt: Date, expiresAt: Date) async throws
        -> UserID?
    {
        try await inner.issueResetToken(hash: hash, forEmail: email, issuedAt: issuedAt, expiresAt: expiresAt)
    }
    func confirmPasswordReset(
        tokenHash: String, passwordHash: String, now: Date, tokensIssuedBefore: Date, requestID: RequestID?
    ) async throws -> OutboxEvent? {
        try await inner.confirmPasswordReset(
            tokenHash: tokenHash, passwordHash: passwordHash, now: now, tokensIssuedBefore: tokensIssuedBefore,
            requestID: requestID)
    }
    func sweepExpiredResetTokens(now: Date, limit: Int) async throws -> Int {
        try await inner.sweepExpiredResetTokens(now: now, limit: limit)
    }
    func recordEvent(_ event: OutboxEvent) async throws { try await inner.recordEvent(event) }
    func pendingEvents(of topics: Set<OutboxEvent.Topic>, limit: Int) async throws -> [OutboxEvent] {
        try await inner.pendingEvents(of: topics, limit: limit)
    }
    func releaseClaim(_ id: EventID) async throws { try await inner.releaseClaim(id) }
    func markDelivered(_ id: EventID) async throws { try await inner.markDelivered(id) }
    func outboxBacklog() async throws -> OutboxBacklog { try await inner.outboxBacklog() }
}
