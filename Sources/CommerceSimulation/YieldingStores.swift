import CommerceCore
import Foundation

/// A user store as the simulator runs it: the store it wraps, with a yield before every call — a point
/// where the seed may switch racers (``SimulationExecutor``), as a database round trip is where real
/// requests interleave. Nothing else changes.
struct YieldingUserStore: UserStore {
    let inner: any UserStore

    func recordEvent(_ event: OutboxEvent) async throws {
        await Task.yield()
        return try await inner.recordEvent(event)
    }

    func pendingEvents(of topics: Set<OutboxEvent.Topic>, limit: Int) async throws -> [OutboxEvent] {
        await Task.yield()
        return try await inner.pendingEvents(of: topics, limit: limit)
    }

    func claimPendingEvents(of topics: Set<OutboxEvent.Topic>, limit: Int, now: Date, leaseEnd: Date) async throws
        -> [OutboxEvent]
    {
        await Task.yield()
        return try await inner.claimPendingEvents(of: topics, limit: limit, now: now, leaseEnd: leaseEnd)
    }

    func releaseClaim(_ id: EventID) async throws {
        await Task.yield()
        return try await inner.releaseClaim(id)
    }

    func markDelivered(_ id: EventID) async throws {
        await Task.yield()
        return try await inner.markDelivered(id)
    }

    func outboxBacklog() async throws -> OutboxBacklog {
        await Task.yield()
        return try await inner.outboxBacklog()
    }

    func issueResetToken(hash: String, forEmail email: EmailAddress, issuedAt: Date, expiresAt: Date) async throws
        -> UserID?
    {
        await Task.yield()
        return try await inner.issueResetToken(hash: hash, forEmail: email, issuedAt: issuedAt, expiresAt: expiresAt)
    }

    func confirmPasswordReset(
        tokenHash: String, passwordHash: String, now: Date, tokensIssuedBefore: Date, requestID: RequestID?
    ) async throws -> OutboxEvent? {
        await Task.yield()
        return try await inner.confirmPasswordReset(
            tokenHash: tokenHash, passwordHash: passwordHash, now: now, tokensIssuedBefore: tokensIssuedBefore,
            requestID: requestID)
    }

    func sweepExpiredResetTokens(now: Date, limit: Int) async throws -> Int {
        await Task.yield()
        return try await inner.sweepExpiredResetTokens(now: now, limit: limit)
    }

    func startSession(_ first: RefreshTokenRecord) async throws {
        await Task.yield()
        return try await inner.startSession(first)
    }

    func rotate(refreshTokenHash: String, nextHash: String, nextExpiresAt: Date, now: Date) async throws
        -> RefreshOutcome
    {
        await Task.yield()
        return try await inner.rotate(
            refreshTokenHash: refreshTokenHash, nextHash: nextHash, nextExpiresAt: nextExpiresAt, now: now)
    }

    func endSession(_ id: SessionID, at date: Date) async throws {
        await Task.yield()
        return try await inner.endSession(id, at: date)
    }

    func endSessions(of userId: UserID, at date: Date) async throws {
        await Task.yield()
        return try await inner.endSessions(of: userId, at: date)
    }

    func revokeSessions(_ revocation: SessionRevocation) async throws -> OutboxEvent? {
        await Task.yield()
        return try await inner.revokeSessions(revocation)
    }

    func sweepExpiredRefreshTokens(now: Date, limit: Int) async throws -> Int {
        await Task.yield()
        return try await inner.sweepExpiredRefreshTokens(now: now, limit: limit)
    }

    func insert(_ record: UserRecord) async throws {
        await Task.yield()
        return try await inner.insert(record)
    }

    func user(id: UserID) async throws -> UserRecord? {
        await Task.yield()
        return try await inner.user(id: id)
    }

    func user(email: EmailAddress) async throws -> UserRecord? {
        await Task.yield()
        return try await inner.user(email: email)
    }

    func updateProfile(_ user: User, ifUpdatedAt previous: Date) async throws -> Bool {
        await Task.yield()
        return try await inner.updateProfile(user, ifUpdatedAt: previous)
    }

    func setRole(_ id: UserID, to role: UserRole, at date: Date) async throws -> UserRecord? {
        await Task.yield()
        return try await inner.setRole(id, to: role, at: date)
    }

    func delete(_ id: UserID, at date: Date, requestID: RequestID?) async throws -> OutboxEvent? {
        await Task.yield()
        return try await inner.delete(id, at: date, requestID: requestID)
    }

    func checkReadiness() async throws {
        await Task.yield()
        return try await inner.checkReadiness()
    }
}

/// An order store as the simulator runs it: the store it wraps (with its webhooks, which the run's
/// subscriber needs), with a yield before every call, as ``YieldingUserStore``.
struct YieldingOrderStore: OrderStore, WebhookStore {
    let inner: any OrderStore & WebhookStore

    func idempotentOrder(userId: UserID, key: IdempotencyKey, now: Date, token: CallerToken?) async throws -> (
        order: Order, fingerprint: String
    )? {
        await Task.yield()
        return try await inner.idempotentOrder(userId: userId, key: key, now: now, token: token)
    }

    func sweepExpiredIdempotencyRecords(now: Date, limit: Int) async throws -> Int {
        await Task.yield()
        return try await inner.sweepExpiredIdempotencyRecords(now: now, limit: limit)
    }

    func insert(
        _ order: Order, idempotency: IdempotencyRecord?, now: Date, token: CallerToken?, pricing: CatalogPricing?
    ) async throws -> OrderInsertion {
        await Task.yield()
        return try await inner.insert(order, idempotency: idempotency, now: now, token: token, pricing: pricing)
    }

    func orders(of userId: UserID, status: OrderStatus?, after cursor: OrderCursor?, limit: Int) async throws -> [Order]
    {
        await Task.yield()
        return try await inner.orders(of: userId, status: status, after: cursor, limit: limit)
    }

    func allOrders(status: OrderStatus?, after cursor: OrderCursor?, limit: Int, token: CallerToken?) async throws
        -> [Order]
    {
        await Task.yield()
        return try await inner.allOrders(status: status, after: cursor, limit: limit, token: token)
    }

    func liveOrders(
        of userId: UserID, status: OrderStatus?, after cursor: OrderCursor?, limit: Int, token: CallerToken?
    ) async throws -> [Order]? {
        await Task.yield()
        return try await inner.liveOrders(of: userId, status: status, after: cursor, limit: limit, token: token)
    }

    func order(_ id: OrderID, of userId: UserID, token: CallerToken?) async throws -> Order? {
        await Task.yield()
        return try await inner.order(id, of: userId, token: token)
    }

    func transition(_ order: Order, to entry: OrderHistoryEntry) async throws -> Order? {
        await Task.yield()
        return try await inner.transition(order, to: entry)
    }

    func purge(_ userId: UserID, at date: Date) async throws -> Int {
        await Task.yield()
        return try await inner.purge(userId, at: date)
    }

    func anonymise(_ userId: UserID, as anonymous: UserID, at date: Date) async throws -> Int {
        await Task.yield()
        return try await inner.anonymise(userId, as: anonymous, at: date)
    }

    func checkReadiness() async throws {
        await Task.yield()
        return try await inner.checkReadiness()
    }

    func putProduct(_ product: Product) async throws -> Bool {
        await Task.yield()
        return try await inner.putProduct(product)
    }

    func product(_ id: String) async throws -> Product? {
        await Task.yield()
        return try await inner.product(id)
    }

    func products(active: Bool?, inStock: Bool?, after: String?, limit: Int) async throws -> [Product] {
        await Task.yield()
        return try await inner.products(active: active, inStock: inStock, after: after, limit: limit)
    }

    func adjustStock(of id: String, by change: Int, at date: Date) async throws -> Product? {
        await Task.yield()
        return try await inner.adjustStock(of: id, by: change, at: date)
    }

    func revokeTokens(of userId: UserID, issuedBefore date: Date) async throws -> Date {
        await Task.yield()
        return try await inner.revokeTokens(of: userId, issuedBefore: date)
    }

    func tokensVoidBefore(of userId: UserID) async throws -> Date? {
        await Task.yield()
        return try await inner.tokensVoidBefore(of: userId)
    }

    func isTombstoned(_ userId: UserID) async throws -> Bool {
        await Task.yield()
        return try await inner.isTombstoned(userId)
    }

    func createSubscription(_ subscription: WebhookSubscription) async throws {
        await Task.yield()
        return try await inner.createSubscription(subscription)
    }

    func subscription(_ id: WebhookSubscriptionID) async throws -> WebhookSubscription? {
        await Task.yield()
        return try await inner.subscription(id)
    }

    func subscriptions(after: WebhookSubscriptionID?, limit: Int) async throws -> [WebhookSubscription] {
        await Task.yield()
        return try await inner.subscriptions(after: after, limit: limit)
    }

    func deleteSubscription(_ id: WebhookSubscriptionID) async throws -> Bool {
        await Task.yield()
        return try await inner.deleteSubscription(id)
    }

    func disableSubscription(_ id: WebhookSubscriptionID) async throws {
        await Task.yield()
        return try await inner.disableSubscription(id)
    }

    func deliveries(of subscription: WebhookSubscriptionID, after: DeliveryID?, limit: Int) async throws
        -> [WebhookDelivery]
    {
        await Task.yield()
        return try await inner.deliveries(of: subscription, after: after, limit: limit)
    }

    func claimDeliveries(of subscription: WebhookSubscriptionID, limit: Int, now: Date, leaseEnd: Date) async throws
        -> [(delivery: WebhookDelivery, event: OrderEvent)]
    {
        await Task.yield()
        return try await inner.claimDeliveries(of: subscription, limit: limit, now: now, leaseEnd: leaseEnd)
    }

    func recordAttempts(_ attempts: [(id: DeliveryID, outcome: DeliveryOutcome)], at date: Date) async throws {
        await Task.yield()
        return try await inner.recordAttempts(attempts, at: date)
    }

    func retryDelivery(_ id: DeliveryID, of subscription: WebhookSubscriptionID, at date: Date) async throws -> Bool {
        await Task.yield()
        return try await inner.retryDelivery(id, of: subscription, at: date)
    }

    func deliveryBacklog() async throws -> OutboxBacklog {
        await Task.yield()
        return try await inner.deliveryBacklog()
    }

    func forgetDeliveries(before cutoff: Date) async throws -> Int {
        await Task.yield()
        return try await inner.forgetDeliveries(before: cutoff)
    }
}
