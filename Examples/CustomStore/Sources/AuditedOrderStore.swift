// A store of your own: an `OrderStore` that wraps another one and keeps an audit trail of every change.
// It must pass the same conformance suite as the library's stores: see ../Tests.
import CommerceCore
import Foundation
import Synchronization

/// Wraps any ``OrderStore`` and records every order inserted and every purge, in memory.
public final class AuditedOrderStore: OrderStore {
    /// One change the store made.
    public enum Change: Sendable, Hashable {
        case inserted(OrderID)
        case purged(UserID, deleted: Int)
    }

    private let inner: any OrderStore
    private let trail = Mutex<[Change]>([])

    public init(wrapping inner: any OrderStore) { self.inner = inner }

    /// Every change, oldest first.
    public var changes: [Change] { trail.withLock { $0 } }

    public func insert(_ order: Order, idempotency: IdempotencyRecord?, now: Date) async throws -> OrderInsertion {
        let insertion = try await inner.insert(order, idempotency: idempotency, now: now)
        if case .created(let order) = insertion { trail.withLock { $0.append(.inserted(order.id)) } }
        return insertion
    }

    public func idempotentOrder(userId: UserID, key: IdempotencyKey, now: Date) async throws -> (
        order: Order, fingerprint: String
    )? {
        try await inner.idempotentOrder(userId: userId, key: key, now: now)
    }

    public func orders(of userId: UserID, after cursor: OrderCursor?, limit: Int) async throws -> [Order] {
        try await inner.orders(of: userId, after: cursor, limit: limit)
    }

    public func purge(_ userId: UserID, at date: Date) async throws -> Int {
        let deleted = try await inner.purge(userId, at: date)
        trail.withLock { $0.append(.purged(userId, deleted: deleted)) }
        return deleted
    }

    public func sweepExpiredIdempotencyRecords(now: Date, limit: Int) async throws -> Int {
        try await inner.sweepExpiredIdempotencyRecords(now: now, limit: limit)
    }

    public func isTombstoned(_ userId: UserID) async throws -> Bool {
        try await inner.isTombstoned(userId)
    }
}
