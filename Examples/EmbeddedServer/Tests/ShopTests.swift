// The embedded example runs what its services need beside them: without the sweeper, an embedding
// application would keep every expired refresh token for ever.
import CommerceCore
import CommerceInMemory
import CommerceTesting
import Foundation
import Hummingbird
import Testing

@testable import commerce_embedded_example

@Suite("The embedded example")
struct ShopTests {
    @Test func itSweepsExpiredRefreshTokens() async throws {
        let clock = TestClock()
        let users = InMemoryUserStore()
        let record = UserRecord(
            user: User(
                id: UserID(), username: Username(trusted: "Ann"), email: EmailAddress(trusted: "ann@example.com"),
                createdAt: clock.now(), updatedAt: clock.now()),
            passwordHash: "not-a-real-hash")
        try await users.insert(record)
        let session = SessionID()
        let expiry = clock.now().addingTimeInterval(3600)
        var current = OpaqueToken().hash
        try await users.startSession(
            RefreshTokenRecord(
                hash: current, sessionId: session, userId: record.user.id, issuedAt: clock.now(), expiresAt: expiry))
        let shop = try await makeShop(
            jwtSecret: String(repeating: "s", count: 32), apiKey: String(repeating: "k", count: 32), userStore: users,
            orderStore: InMemoryOrderStore(), clock: clock, port: 0)

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await shop.runService(gracefulShutdownSignals: []) }
            defer { group.cancelAll() }
            // Time passes past the token's expiry, a sweeper's interval at a time. The probe presents the
            // newest token as of before its expiry: it rotates while the token is stored (its successor
            // expiring alike), and is unknown once a sweep deleted it.
            let swept = try await eventually(timeout: .seconds(10)) {
                clock.advance(by: .seconds(30))
                let next = OpaqueToken().hash
                let outcome = try await users.rotate(
                    refreshTokenHash: current, nextHash: next, nextExpiresAt: expiry, now: expiry.addingTimeInterval(-1)
                )
                guard case .rotated = outcome else { return outcome == .unknown }
                current = next
                return false
            }
            #expect(swept, "the expired refresh token is still stored: nothing swept it")
        }
    }
}
