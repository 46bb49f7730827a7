import CommerceCore
import Foundation

/// An ``OrderStore`` in memory: for tests, examples and throwaway runs. Nothing survives the process.
/// Every operation is one actor turn, so each is atomic.
public actor InMemoryOrderStore: OrderStore, WebhookStore {
    private struct KeyScope: Hashable {
        let userId: UserID
        let key: IdempotencyKey
    }

    /// Each user's orders, oldest first by (createdAt, id): a new order, nearly always the newest, is
    /// appended in place instead of shifting the whole list.
    private var ordersByUser: [UserID: [Order]] = [:]
    private var records: [KeyScope: IdempotencyRecord] = [:]
    private var tombstones: Set<UserID> = []
    private var voidBefore: [UserID: Date] = [:]
    private var catalog: [String: Product] = [:]
    /// What each order's placement took from the catalog's stock, until it is put back.
    private var stockTaken: [OrderID: [String: Int]] = [:]
    /// Subscriptions, order events and their deliveries, changed in the same turn as the orders.
    private var webhooks = InMemoryWebhooks()

    /// The bugs this store was made with: none, unless a test of this package planted some.
    private let planted: Set<PlantedBug>

    /// An empty store.
    public init() { planted = [] }

    /// An empty store with `bugs` planted: for the simulator's tests, which show that each is found.
    package init(planting bugs: Set<PlantedBug>) { planted = bugs }

    /// See ``OrderRecordStore/insert(_:idempotency:now:token:pricing:)``: one actor turn, so the prices read are
    /// the ones in force when the order is stored.
    public func insert(
        _ order: Order, idempotency: IdempotencyRecord?, now: Date, token: CallerToken?, pricing: CatalogPricing?
    ) throws -> OrderInsertion {
        try check(token)
        guard !tombstones.contains(order.userId) else { throw CommerceError.notFound("The user no longer exists.") }
        var scope: KeyScope?
        if let idempotency {
            let key = KeyScope(userId: idempotency.userId, key: idempotency.key)
            if let existing = liveRecord(key, now: now), let made = find(existing.orderId, of: existing.userId) {
                return .existing(made, fingerprint: existing.fingerprint)
            }
            scope = key
        }
        let order = try pricing?.priced(order, catalog: catalog) ?? order
        if planted.contains(.eventOutsideTransaction) {
            webhooks.record(.step(of: order, traceContext: TraceContextText.current()))
        }
        let take = try pricing?.stockToTake(from: planted.contains(.oversell) ? catalog.bottomless : catalog) ?? [:]
        for (productId, quantity) in take { catalog[productId]?.stock? -= quantity }
        if !take.isEmpty { stockTaken[order.id] = take }
        if let scope, let idempotency { records[scope] = idempotency }
        // After the last older order; computed before the in-place insert so no copy of the list is held.
        let lastOlder = ordersByUser[order.userId].flatMap { $0.lastIndex { Self.newestFirst(order, $0) } }
        let index = lastOlder.map { $0 + 1 } ?? 0
        ordersByUser[order.userId, default: []].insert(order, at: index)
        if !planted.contains(.eventOutsideTransaction) {
            webhooks.record(.step(of: order, traceContext: TraceContextText.current()))
        }
        return .created(order)
    }

    /// See ``IdempotencyStore/idempotentOrder(userId:key:now:token:)``.
    public func idempotentOrder(userId: UserID, key: IdempotencyKey, now: Date, token: CallerToken?) throws -> (
        order: Order, fingerprint: String
    )? {
        try check(token)
        guard let record = liveRecord(KeyScope(userId: userId, key: key), now: now),
            let order = find(record.orderId, of: userId)
        else { return nil }
        return (order, record.fingerprint)
    }

    /// See ``OrderRecordStore/orders(of:status:after:limit:)``.
    public func orders(of userId: UserID, status: OrderStatus?, after cursor: OrderCursor?, limit: Int) throws
        -> [Order]
    {
        let newestFirst = ordersByUser[userId, default: []].reversed()
        let start =
            cursor.map { cursor in newestFirst.firstIndex { cursor.precedes($0) } ?? newestFirst.endIndex }
            ?? newestFirst.startIndex
        return Array(newestFirst[start...].lazy.filter { status == nil || $0.status == status }.prefix(max(0, limit)))
    }

    /// See ``OrderRecordStore/liveOrders(of:status:after:limit:token:)``.
    public func liveOrders(
        of userId: UserID, status: OrderStatus?, after cursor: OrderCursor?, limit: Int, token: CallerToken?
    ) throws -> [Order]? {
        try check(token)
        return !tombstones.contains(userId) ? try orders(of: userId, status: status, after: cursor, limit: limit) : nil
    }

    /// See ``OrderRecordStore/allOrders(status:after:limit:token:)``: a scan of every order, for tests and small
    /// shops.
    public func allOrders(status: OrderStatus?, after cursor: OrderCursor?, limit: Int, token: CallerToken?) throws
        -> [Order]
    {
        try check(token)
        let all = ordersByUser.values.joined().filter { order in
            (status == nil || order.status == status) && (cursor?.precedes(order) ?? true)
        }
        return Array(all.sorted(by: Self.newestFirst).prefix(max(0, limit)))
    }

    /// See ``OrderRecordStore/order(_:of:token:)``.
    public func order(_ id: OrderID, of userId: UserID, token: CallerToken?) throws -> Order? {
        try check(token)
        return find(id, of: userId)
    }

    /// See ``RevocationMarkStore/revokeTokens(of:issuedBefore:)``.
    public func revokeTokens(of userId: UserID, issuedBefore date: Date) throws -> Date {
        if planted.contains(.lostRevocation) { return date }
        if planted.contains(.revocationMarkMovesBack) {
            voidBefore[userId] = date
            return date
        }
        let mark = max(voidBefore[userId] ?? date, date)
        voidBefore[userId] = mark
        return mark
    }

    /// See ``ProductCatalog/putProduct(_:)``.
    public func putProduct(_ product: Product) throws -> Bool {
        catalog.updateValue(product, forKey: product.id) == nil
    }

    /// See ``ProductCatalog/product(_:)``.
    public func product(_ id: String) throws -> Product? { catalog[id] }

    /// See ``ProductCatalog/adjustStock(of:by:at:)``: one actor turn.
    public func adjustStock(of id: String, by change: Int, at date: Date) throws -> Product? {
        guard let product = catalog[id] else { return nil }
        let changed = try product.adjustingStock(by: change, at: date)
        catalog[id] = changed
        return changed
    }

    /// See ``ProductCatalog/products(active:inStock:after:limit:)``: a sort of the whole catalog, for tests
    /// and small shops.
    public func products(active: Bool?, inStock: Bool?, after: String?, limit: Int) throws -> [Product] {
        let after = after.map { Array($0.utf8) }
        let matching = catalog.values.filter { product in
            (active == nil || product.active == active) && product.matches(inStock: inStock)
                && (after.map { $0.lexicographicallyPrecedes(Array(product.id.utf8)) } ?? true)
        }
        return Array(
            matching.sorted { Array($0.id.utf8).lexicographicallyPrecedes(Array($1.id.utf8)) }.prefix(max(0, limit)))
    }

    /// See ``RevocationMarkStore/tokensVoidBefore(of:)``.
    public func tokensVoidBefore(of userId: UserID) throws -> Date? { voidBefore[userId] }

    private func check(_ token: CallerToken?) throws {
        if let token { try token.check(voidBefore: voidBefore[token.userId]) }
    }

    /// See ``OrderRecordStore/transition(_:to:)``: one actor turn, so the compare and the set are one step.
    public func transition(_ order: Order, to entry: OrderHistoryEntry) throws -> Order? {
        guard let index = ordersByUser[order.userId]?.firstIndex(where: { $0.id == order.id }),
            let stored = ordersByUser[order.userId]?[index], stored.status == order.status,
            stored.version == order.version
        else { return nil }
        var moved = stored.moved(to: entry)
        if planted.contains(.skippedHistoryStep) { moved.history.removeLast() }
        ordersByUser[order.userId]?[index] = moved
        if !OrderLifecycle.holdingStock.contains(moved.status) { putBackStock(of: moved.id) }
        webhooks.record(.step(of: moved, traceContext: TraceContextText.current()))
        return moved
    }

    /// Puts back what the order's placement took, once: the record goes with it. A product no longer
    /// tracked stays untracked.
    private func putBackStock(of orderId: OrderID) {
        for (productId, quantity) in stockTaken.removeValue(forKey: orderId) ?? [:] {
            catalog[productId]?.stock? += quantity
        }
    }

    /// Puts back the stock of a deleted user's orders that were not shipped, and forgets what the others took.
    private func settleStock(of orders: [Order]) {
        for order in orders {
            if OrderLifecycle.returningStockOnDeletion.contains(order.status) {
                putBackStock(of: order.id)
            } else {
                stockTaken[order.id] = nil
            }
        }
    }

    /// See ``OrderRecordStore/purge(_:at:)``.
    public func purge(_ userId: UserID, at date: Date) throws -> Int {
        let orders = ordersByUser.removeValue(forKey: userId) ?? []
        settleStock(of: orders)
        let deleted = orders.count
        records = records.filter { $0.key.userId != userId }
        if !tombstones.contains(userId) { recordPurge(of: userId, deleted: deleted, anonymised: 0, at: date) }
        tombstones.insert(userId)
        voidBefore[userId] = CallerToken.deletedUserMark
        return deleted
    }

    /// See ``OrderRecordStore/anonymise(_:as:at:)``.
    public func anonymise(_ userId: UserID, as anonymous: UserID, at date: Date) throws -> Int {
        let kept = ordersByUser.removeValue(forKey: userId) ?? []
        settleStock(of: kept)
        // Oldest first, as every user's list: the same order as before, under a new id.
        if !kept.isEmpty { ordersByUser[anonymous, default: []] += kept.map { $0.anonymised(as: anonymous, at: date) } }
        records = records.filter { $0.key.userId != userId }
        if !tombstones.contains(userId) { recordPurge(of: userId, deleted: 0, anonymised: kept.count, at: date) }
        tombstones.insert(userId)
        voidBefore[userId] = CallerToken.deletedUserMark
        return kept.count
    }

    /// The `orders.purged` event of a user's first deletion; what was not yet delivered of their orders is
    /// forgotten.
    private func recordPurge(of userId: UserID, deleted: Int, anonymised: Int, at date: Date) {
        webhooks.forgetOrders(of: userId, at: date)
        webhooks.record(
            OrderEvent(
                type: .purged, occurredAt: date,
                data: .purged(userId: userId, deleted: deleted, anonymised: anonymised),
                traceContext: TraceContextText.current()))
    }

    /// See ``WebhookSubscriptionStore/createSubscription(_:)``.
    public func createSubscription(_ subscription: WebhookSubscription) { webhooks.create(subscription) }

    /// See ``WebhookSubscriptionStore/subscription(_:)``.
    public func subscription(_ id: WebhookSubscriptionID) -> WebhookSubscription? { webhooks.subscription(id) }

    /// See ``WebhookSubscriptionStore/subscriptions(after:limit:)``.
    public func subscriptions(after: WebhookSubscriptionID?, limit: Int) -> [WebhookSubscription] {
        webhooks.subscriptions(after: after, limit: limit)
    }

    /// See ``WebhookSubscriptionStore/deleteSubscription(_:)``.
    public func deleteSubscription(_ id: WebhookSubscriptionID) -> Bool { webhooks.delete(id) }

    /// See ``WebhookSubscriptionStore/disableSubscription(_:)``.
    public func disableSubscription(_ id: WebhookSubscriptionID) { webhooks.disable(id) }

    /// See ``WebhookDeliveryStore/deliveries(of:after:limit:)``.
    public func deliveries(of subscription: WebhookSubscriptionID, after: DeliveryID?, limit: Int)
        -> [WebhookDelivery]
    {
        webhooks.deliveries(of: subscription, after: after, limit: limit)
    }

    /// See ``WebhookDeliveryStore/claimDeliveries(of:limit:now:leaseEnd:)``: one actor turn, so racing claims share
    /// nothing.
    public func claimDeliveries(of subscription: WebhookSubscriptionID, limit: Int, now: Date, leaseEnd: Date)
        -> [(delivery: WebhookDelivery, event: OrderEvent)]
    {
        webhooks.claim(of: subscription, limit: limit, now: now, leaseEnd: leaseEnd)
    }

    /// See ``WebhookDeliveryStore/recordAttempts(_:at:)``: one actor turn.
    public func recordAttempts(_ attempts: [(id: DeliveryID, outcome: DeliveryOutcome)], at date: Date) {
        for attempt in attempts { webhooks.record(attempt.id, attempt.outcome, at: date) }
    }

    /// See ``WebhookDeliveryStore/retryDelivery(_:of:at:)``.
    public func retryDelivery(_ id: DeliveryID, of subscription: WebhookSubscriptionID, at date: Date) -> Bool {
        webhooks.retry(id, of: subscription, at: date)
    }

    /// See ``WebhookDeliveryStore/deliveryBacklog()``.
    public func deliveryBacklog() -> OutboxBacklog { webhooks.backlog() }

    /// See ``WebhookDeliveryStore/forgetDeliveries(before:)``: one actor turn.
    public func forgetDeliveries(before cutoff: Date) -> Int { webhooks.forget(before: cutoff) }

    /// See ``IdempotencyStore/sweepExpiredIdempotencyRecords(now:limit:)``.
    public func sweepExpiredIdempotencyRecords(now: Date, limit: Int) throws -> Int {
        let expired = records.lazy.filter { $0.value.expiresAt <= now }.prefix(max(0, limit)).map(\.key)
        let scopes = Array(expired)
        for scope in scopes { records[scope] = nil }
        return scopes.count
    }

    /// See ``RevocationMarkStore/isTombstoned(_:)``.
    public func isTombstoned(_ userId: UserID) throws -> Bool { tombstones.contains(userId) }

    private func liveRecord(_ scope: KeyScope, now: Date) -> IdempotencyRecord? {
        guard let record = records[scope] else { return nil }
        guard record.expiresAt > now else {
            records[scope] = nil
            return nil
        }
        return record
    }

    private func find(_ id: OrderID, of userId: UserID) -> Order? {
        ordersByUser[userId]?.first { $0.id == id }
    }

    /// Whether `lhs` comes before `rhs` in newest-first order.
    private static func newestFirst(_ lhs: Order, _ rhs: Order) -> Bool {
        lhs.createdAt > rhs.createdAt || (lhs.createdAt == rhs.createdAt && lhs.id > rhs.id)
    }
}

extension [String: Product] {
    /// This catalog with every tracked stock as good as endless: what an oversell checks against.
    fileprivate var bottomless: [String: Product] {
        mapValues { product in
            var product = product
            if product.stock != nil { product.stock = Int(Int32.max) }
            return product
        }
    }
}
