// A store of your own: an `OrderStore` (every Order concern) that wraps another one and keeps an audit
// trail of every change.
// It must pass the same conformance suite as the library's stores: see ../Tests.
import CommerceCore
import Foundation
import Synchronization

/// Wraps any ``OrderStore`` and records every order inserted, every transition, every purge and every
/// anonymisation, in memory.
public final class AuditedOrderStore: OrderStore {
    /// One change the store made.
    public enum Change: Sendable, Hashable {
        case inserted(OrderID)
        case moved(OrderID, to: OrderStatus)
        case purged(UserID, deleted: Int)
        case anonymised(UserID, kept: Int)
    }

    private let inner: any OrderStore
    private let trail = Mutex<[Change]>([])

    public init(wrapping inner: any OrderStore) { self.inner = inner }

    /// Every change, oldest first.
    public var changes: [Change] { trail.withLock { $0 } }

    public func insert(
        _ order: Order, idempotency: IdempotencyRecord?, now: Date, token: CallerToken?, pricing: CatalogPricing?
    ) async throws -> OrderInsertion {
        let insertion = try await inner.insert(
            order, idempotency: idempotency, now: now, token: token, pricing: pricing)
        if case .created(let order) = insertion { trail.withLock { $0.append(.inserted(order.id)) } }
        return insertion
    }

    public func idempotentOrder(userId: UserID, key: IdempotencyKey, now: Date, token: CallerToken?) async throws
        -> (order: Order, fingerprint: String)?
    {
        try await inner.idempotentOrder(userId: userId, key: key, now: now, token: token)
    }

    public func orders(of userId: UserID, status: OrderStatus?, after cursor: OrderCursor?, limit: Int) async throws
        -> [Order]
    {
        try await inner.orders(of: userId, status: status, after: cursor, limit: limit)
    }

    public func liveOrders(
        of userId: UserID, status: OrderStatus?, after cursor: OrderCursor?, limit: Int, token: CallerToken?
    ) async throws -> [Order]? {
        try await inner.liveOrders(of: userId, status: status, after: cursor, limit: limit, token: token)
    }

    public func allOrders(status: OrderStatus?, after cursor: OrderCursor?, limit: Int, token: CallerToken?)
        async throws -> [Order]
    {
        try await inner.allOrders(status: status, after: cursor, limit: limit, token: token)
    }

    public func order(_ id: OrderID, of userId: UserID, token: CallerToken?) async throws -> Order? {
        try await inner.order(id, of: userId, token: token)
    }

    public func revokeTokens(of userId: UserID, issuedBefore date: Date) async throws -> Date {
        try await inner.revokeTokens(of: userId, issuedBefore: date)
    }

    public func tokensVoidBefore(of userId: UserID) async throws -> Date? {
        try await inner.tokensVoidBefore(of: userId)
    }

    public func putProduct(_ product: Product) async throws -> Bool {
        try await inner.putProduct(product)
    }

    public func product(_ id: String) async throws -> Product? {
        try await inner.product(id)
    }

    public func products(active: Bool?, inStock: Bool?, after: String?, limit: Int) async throws -> [Product] {
        try await inner.products(active: active, inStock: inStock, after: after, limit: limit)
    }

    public func adjustStock(of id: String, by change: Int, at date: Date) async throws -> Product? {
        try await inner.adjustStock(of: id, by: change, at: date)
    }

    public func transition(_ order: Order, to entry: OrderHistoryEntry) async throws -> Order? {
        let moved = try await inner.transition(order, to: entry)
        if let moved { trail.withLock { $0.append(.moved(moved.id, to: moved.status)) } }
        return moved
    }

    public func purge(_ userId: UserID, at date: Date) async throws -> Int {
        let deleted = try await inner.purge(userId, at: date)
        trail.withLock { $0.append(.purged(userId, deleted: deleted)) }
        return deleted
    }

    public func anonymise(_ userId: UserID, as anonymous: UserID, at date: Date) async throws -> Int {
        let kept = try await inner.anonymise(userId, as: anonymous, at: date)
        trail.withLock { $0.append(.anonymised(userId, kept: kept)) }
        return kept
    }

    public func sweepExpiredIdempotencyRecords(now: Date, limit: Int) async throws -> Int {
        try await inner.sweepExpiredIdempotencyRecords(now: now, limit: limit)
    }

    public func isTombstoned(_ userId: UserID) async throws -> Bool {
        try await inner.isTombstoned(userId)
    }
}
