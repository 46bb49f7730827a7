import CommerceCore
import CommerceInMemory
import CommerceTesting
import Foundation
import Testing

/// The conformance suite must catch a store that breaks the contract, or passing it means nothing.
@Suite("The conformance suite catches broken stores")
struct ConformanceSuiteTests {
    /// An order store that forgets tombstones: purge works, but a late insert slips in.
    actor ForgetfulOrderStore: OrderStore {
        let inner = InMemoryOrderStore()
        func insert(
            _ order: Order, idempotency: IdempotencyRecord?, now: Date, token: CallerToken?, pricing: CatalogPricing?
        ) async throws -> OrderInsertion {
            _ = try? await inner.purge(UserID(), at: now)
            return .created(order)
        }
        func idempotentOrder(userId: UserID, key: IdempotencyKey, now: Date, token: CallerToken?) async throws
            -> (order: Order, fingerprint: String)?
        {
            try await inner.idempotentOrder(userId: userId, key: key, now: now)
        }
        func orders(of userId: UserID, status: OrderStatus?, after cursor: OrderCursor?, limit: Int) async throws
            -> [Order]
        { [] }
        func liveOrders(
            of userId: UserID, status: OrderStatus?, after cursor: OrderCursor?, limit: Int, token: CallerToken?
        ) async throws -> [Order]? { [] }
        func allOrders(status: OrderStatus?, after cursor: OrderCursor?, limit: Int, token: CallerToken?) async throws
            -> [Order]
        { [] }
        func order(_ id: OrderID, of userId: UserID, token: CallerToken?) async throws -> Order? { nil }
        func revokeTokens(of userId: UserID, issuedBefore date: Date) async throws -> Date { date }
        func tokensVoidBefore(of userId: UserID) async throws -> Date? { nil }
        func putProduct(_ product: Product) async throws -> Bool { try await inner.putProduct(product) }
        func product(_ id: String) async throws -> Product? { try await inner.product(id) }
        func products(active: Bool?, inStock: Bool?, after: String?, limit: Int) async throws -> [Product] {
            try await inner.products(active: active, inStock: inStock, after: after, limit: limit)
        }
        func adjustStock(of id: String, by change: Int, at date: Date) async throws -> Product? {
            try await inner.adjustStock(of: id, by: change, at: date)
        }
        func transition(_ order: Order, to entry: OrderHistoryEntry) async throws -> Order? { nil }
        func purge(_ userId: UserID, at date: Date) async throws -> Int { 0 }
        func isTombstoned(_ userId: UserID) async throws -> Bool { false }
        func anonymise(_ userId: UserID, as anonymous: UserID, at date: Date) async throws -> Int { 0 }
        func sweepExpiredIdempotencyRecords(now: Date, limit: Int) async throws -> Int { 0 }
    }

    /// A user store that records no deletion event.
    actor SilentUserStore: UserStore {
        let inner = InMemoryUserStore()
        func insert(_ record: UserRecord) async throws { try await inner.insert(record) }
        func user(id: UserID) async throws -> UserRecord? { try await inner.user(id: id) }
        func setRole(_ id: UserID, to role: UserRole, at date: Date) async throws -> UserRecord? {
            try await inner.setRole(id, to: role, at: date)
        }
        func startSession(_ first: RefreshTokenRecord) async throws { try await inner.startSession(first) }
        func updateProfile(_ user: User, ifUpdatedAt previous: Date) async throws -> Bool {
            try await inner.updateProfile(user, ifUpdatedAt: previous)
        }
        func rotate(refreshTokenHash: String, nextHash: String, nextExpiresAt: Date, now: Date) async throws
            -> RefreshOutcome
        {
            try await inner.rotate(
                refreshTokenHash: refreshTokenHash, nextHash: nextHash, nextExpiresAt: nextExpiresAt, now: now)
        }
        func endSession(_ id: SessionID, at date: Date) async throws { try await inner.endSession(id, at: date) }
        func endSessions(of userId: UserID, at date: Date) async throws {
            try await inner.endSessions(of: userId, at: date)
        }
        func sweepExpiredRefreshTokens(now: Date, limit: Int) async throws -> Int {
            try await inner.sweepExpiredRefreshTokens(now: now, limit: limit)
        }
        func sweepExpiredResetTokens(now: Date, limit: Int) async throws -> Int {
            try await inner.sweepExpiredResetTokens(now: now, limit: limit)
        }
        func revokeSessions(_ revocation: SessionRevocation) async throws -> OutboxEvent? {
            try await inner.revokeSessions(revocation)
        }
        func recordEvent(_ event: OutboxEvent) async throws { try await inner.recordEvent(event) }
        func issueResetToken(hash: String, forEmail email: EmailAddress, issuedAt: Date, expiresAt: Date)
            async throws -> UserID?
        { try await inner.issueResetToken(hash: hash, forEmail: email, issuedAt: issuedAt, expiresAt: expiresAt) }
        func confirmPasswordReset(
            tokenHash: String, passwordHash: String, now: Date, tokensIssuedBefore: Date, requestID: RequestID?
        ) async throws -> OutboxEvent? {
            try await inner.confirmPasswordReset(
                tokenHash: tokenHash, passwordHash: passwordHash, now: now, tokensIssuedBefore: tokensIssuedBefore,
                requestID: requestID)
        }
        func user(email: EmailAddress) async throws -> UserRecord? { try await inner.user(email: email) }
        func delete(_ id: UserID, at date: Date, requestID: RequestID?) async throws -> OutboxEvent? {
            guard let event = try await inner.delete(id, at: date, requestID: requestID) else { return nil }
            try await inner.markDelivered(event.id)
            return event
        }
        func pendingEvents(of topics: Set<OutboxEvent.Topic>, limit: Int) async throws -> [OutboxEvent] { [] }
        func markDelivered(_ id: EventID) async throws {}
        func outboxBacklog() async throws -> OutboxBacklog { .empty }
    }

    @Test func aBrokenOrderStoreFails() async {
        await #expect(throws: ConformanceFailure.self) {
            try await OrderStoreConformance.run { ForgetfulOrderStore() }
        }
    }

    @Test func aUserStoreWithoutAnOutboxFails() async {
        let error = await #expect(throws: ConformanceFailure.self) {
            try await UserStoreConformance.run { SilentUserStore() }
        }
        #expect(error?.description.contains("delete removes the user and records one pending event") == true)
    }

    @Test func theInMemoryStoresPassAsAWhole() async throws {
        try await UserStoreConformance.run { InMemoryUserStore() }
        try await OrderStoreConformance.run { InMemoryOrderStore() }
    }
}

@Suite("Conformance failures")
struct ConformanceFailureTests {
    @Test func aFailureNamesItsCheckOnce() async throws {
        let check = "delete removes the user and records one pending event"
        let error = await #expect(throws: ConformanceFailure.self) {
            try await UserStoreConformance.run { ConformanceSuiteTests.SilentUserStore() }
        }
        let description = try #require(error?.description)
        #expect(description.components(separatedBy: check).count - 1 == 1, "named once")
    }
}
