import Foundation

/// Where the Order service keeps orders, idempotency records and the tombstones of deleted users.
///
/// Contract (checked by `OrderStoreConformance` in CommerceTesting; every implementation must pass it):
/// - ``insert(_:idempotency:now:)`` is atomic: when the order's user is tombstoned it throws
///   ``CommerceError/Code/notFound`` and stores nothing, with no window in which an insert can slip in
///   after a purge. With an idempotency record, at most one order is stored per (user, key) while the
///   record is live (`expiresAt > now`): a second insert with that key stores nothing and returns
///   ``OrderInsertion/existing(_:fingerprint:)`` with the first order and its fingerprint, even when the
///   two inserts race. An expired record is as good as absent.
/// - ``orders(of:after:limit:)`` lists newest first by (`createdAt`, `id`) descending, strictly after the
///   cursor, at most `limit`; stable when orders share a timestamp.
/// - ``liveOrders(of:after:limit:)`` is `nil` for a tombstoned user, else what ``orders(of:after:limit:)``
///   answers. The default asks ``isTombstoned(_:)`` and then ``orders(of:after:limit:)``; a store that can
///   answer both in one read (the SQLite store does) should.
/// - ``purge(_:at:)`` deletes every order and idempotency record of the user and records a tombstone in
///   one atomic step; it is idempotent and returns how many orders it deleted.
/// - ``sweepExpiredIdempotencyRecords(now:limit:)`` deletes at most `limit` records that expired at or
///   before `now` (never a live one, never an order) and returns how many it deleted, so a caller can sweep
///   in bounded batches until fewer than `limit` come back.
/// - Timestamps come back exactly as stored (they are whole milliseconds).
/// - Backend failures are thrown as ``CommerceError``, never as a driver's own error type.
public protocol OrderStore: Sendable {
    /// Stores an order unless its user is tombstoned or the idempotency key already made one.
    func insert(_ order: Order, idempotency: IdempotencyRecord?, now: Date) async throws -> OrderInsertion
    /// The order an idempotency key made, with the fingerprint of the request that made it, while the record
    /// is live; `nil` otherwise.
    func idempotentOrder(userId: UserID, key: IdempotencyKey, now: Date) async throws -> (
        order: Order, fingerprint: String
    )?
    /// Up to `limit` of the user's orders, newest first, strictly after `cursor`.
    func orders(of userId: UserID, after cursor: OrderCursor?, limit: Int) async throws -> [Order]
    /// Deletes the user's orders and records the tombstone atomically; idempotent. Returns the number deleted.
    func purge(_ userId: UserID, at date: Date) async throws -> Int
    /// Whether the user's orders were purged (the user was deleted).
    func isTombstoned(_ userId: UserID) async throws -> Bool
    /// Deletes up to `limit` idempotency records whose `expiresAt` is at or before `now`; returns how many.
    func sweepExpiredIdempotencyRecords(now: Date, limit: Int) async throws -> Int
    /// Up to `limit` of the user's orders, newest first, strictly after `cursor`; `nil` when the user is
    /// tombstoned.
    func liveOrders(of userId: UserID, after cursor: OrderCursor?, limit: Int) async throws -> [Order]?
    /// Returns when the backend answers a query now; throws ``CommerceError/Code/unavailable`` otherwise.
    /// What `GET /ready` asks. The default asks whether an unknown user is tombstoned.
    func checkReadiness() async throws
}

extension OrderStore {
    /// Asks whether a user id that does not exist is tombstoned: a real query, answered from an index.
    public func checkReadiness() async throws {
        _ = try await isTombstoned(UserID())
    }

    /// Two calls: ``isTombstoned(_:)``, then ``orders(of:after:limit:)``.
    public func liveOrders(of userId: UserID, after cursor: OrderCursor?, limit: Int) async throws -> [Order]? {
        if try await isTombstoned(userId) { return nil }
        return try await orders(of: userId, after: cursor, limit: limit)
    }
}
