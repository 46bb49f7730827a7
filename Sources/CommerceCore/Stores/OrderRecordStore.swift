import Foundation

/// Where the Order service keeps orders: placing them, listing and reading them, moving them through their
/// lifecycle, and purging or anonymising a deleted user's.
///
/// Contract (checked by `OrderRecordConformance` in CommerceTesting; every implementation must pass it):
/// - ``insert(_:idempotency:now:token:pricing:)`` is atomic: when the order's user is tombstoned it throws
///   ``CommerceError/Code/notFound`` and stores nothing, with no window in which an insert can slip in
///   after a purge. With an idempotency record (the store's ``IdempotencyStore``), at most one order is
///   stored per (user, key) while the record is live (`expiresAt > now`): a second insert with that key
///   stores nothing and returns ``OrderInsertion/existing(_:fingerprint:)`` with the first order and its
///   fingerprint, even when the two inserts race. An expired record is as good as absent. With a
///   ``CatalogPricing``, the order's products are read from the store's ``ProductCatalog`` in the same
///   transaction (or snapshot) as the insert, after the replay check, and the order stored is
///   ``CatalogPricing/priced(_:catalog:)``'s — which may throw instead, storing nothing;
///   ``OrderInsertion/created(_:)`` answers the order as stored.
/// - ``orders(of:status:after:limit:)`` lists a user's orders (of one status, when given) newest first by
///   (`createdAt`, `id`) descending, strictly after the cursor, at most `limit`; stable when orders share a
///   timestamp. ``allOrders(status:after:limit:token:)`` does the same across every user, from an index.
/// - ``liveOrders(of:status:after:limit:token:)`` is `nil` for a tombstoned user, else what
///   ``orders(of:status:after:limit:)`` answers: the tombstone, the token's mark and the page in one read.
///   A store may keep pages between reads (the SQLite store keeps users' newest pages), but a read started
///   after a write was acknowledged answers what that write left.
/// - ``order(_:of:token:)`` is the order with that id if it is that user's, else `nil`.
/// - ``transition(_:to:)`` is a compare-and-set: it moves the order only if the stored one is still at the
///   given order's status and version, and then stores the status, the history with the entry appended,
///   the version plus one and `updatedAt` in one atomic step. Of any number of racing transitions from one
///   version, exactly one succeeds; the others change nothing and return `nil`.
/// - ``purge(_:at:)`` deletes every order and idempotency record of the user, records a tombstone and sets
///   the user's revocation mark to ``CallerToken/deletedUserMark`` (the store's ``RevocationMarkStore``) in
///   one atomic step, so every token of the deleted user is refused wherever it is judged — as a staff
///   member's on other users' orders too; it is idempotent and returns how many orders it deleted. Of
///   inserts racing a purge, none leaves an order behind.
/// - ``anonymise(_:as:at:)`` does the same but keeps the orders, each replaced by its
///   ``Order/anonymised(as:at:)`` (under the anonymous id), in the same atomic step; idempotent (a second
///   call finds no order under the user), it returns how many orders it kept.
/// - Stock (checked by `StockConformance`): with a ``CatalogPricing``, the insert also takes
///   ``CatalogPricing/stockToTake(from:)`` from the tracked products in the same atomic step and records
///   what it took — every line or none: a shortfall throws ``CommerceError/Code/outOfStock`` and stores
///   nothing. Of N racing inserts for the last units, exactly as many succeed as the stock covers, and no
///   stock goes below zero; a replay of an idempotency key takes nothing again, however many race. A
///   ``transition(_:to:)`` out of ``OrderLifecycle/holdingStock``, and a purge or anonymisation of orders in
///   ``OrderLifecycle/returningStockOnDeletion``, put back exactly what the order took, once, in the same
///   atomic step (racing cancels put it back once); a product untracked since stays untracked. A
///   client-priced insert takes no stock.
/// - Every method taking a `token` ``CallerToken`` first judges it against its user's revocation mark
///   **in the same read** (a transaction or one statement, never a second trip) and, for a token issued
///   before the mark, throws ``CommerceError/tokenRevoked`` and reads or writes nothing else. `nil` checks
///   nothing.
/// - Timestamps come back exactly as stored (they are whole milliseconds).
/// - Backend failures are thrown as ``CommerceError``, never as a driver's own error type.
///
/// An insert reads idempotency records, tombstones, marks and products in its own transaction, so a store
/// of this concern is every concern of ``OrderStore``.
public protocol OrderRecordStore: Sendable {
    /// Stores an order unless its user is tombstoned or the idempotency key already made one.
    func insert(
        _ order: Order, idempotency: IdempotencyRecord?, now: Date, token: CallerToken?, pricing: CatalogPricing?
    ) async throws -> OrderInsertion
    /// Up to `limit` of the user's orders (only those in `status`, when given), newest first, strictly after
    /// `cursor`.
    func orders(of userId: UserID, status: OrderStatus?, after cursor: OrderCursor?, limit: Int) async throws
        -> [Order]
    /// Up to `limit` of every user's orders (only those in `status`, when given), newest first, strictly
    /// after `cursor`.
    func allOrders(status: OrderStatus?, after cursor: OrderCursor?, limit: Int, token: CallerToken?) async throws
        -> [Order]
    /// Up to `limit` of the user's orders (only those in `status`, when given), newest first, strictly after
    /// `cursor`; `nil` when the user is tombstoned.
    func liveOrders(
        of userId: UserID, status: OrderStatus?, after cursor: OrderCursor?, limit: Int, token: CallerToken?
    ) async throws -> [Order]?
    /// The order with this id when it is `userId`'s; `nil` otherwise.
    func order(_ id: OrderID, of userId: UserID, token: CallerToken?) async throws -> Order?
    /// Stores `order.moved(to: entry)` if the stored order is still at `order`'s status and version; the
    /// moved order, or `nil` when it is not (it moved meanwhile, or is gone).
    func transition(_ order: Order, to entry: OrderHistoryEntry) async throws -> Order?
    /// Deletes the user's orders and records the tombstone atomically; idempotent. Returns the number deleted.
    func purge(_ userId: UserID, at date: Date) async throws -> Int
    /// Keeps the user's orders anonymised under `anonymous`, deletes their idempotency records and records
    /// the tombstone atomically; idempotent. Returns the number of orders kept.
    func anonymise(_ userId: UserID, as anonymous: UserID, at date: Date) async throws -> Int
    /// Returns when the backend answers a query now; throws ``CommerceError/Code/unavailable`` otherwise.
    /// What `GET /ready` asks. The default lists the orders of a user id that does not exist.
    func checkReadiness() async throws
}

extension OrderRecordStore {
    /// Lists the orders of a user id that does not exist: a real query, answered from an index.
    public func checkReadiness() async throws {
        _ = try await orders(of: UserID(), status: nil, after: nil, limit: 1)
    }

    /// All of the user's live orders, whatever their status, checking no token.
    public func liveOrders(of userId: UserID, after cursor: OrderCursor?, limit: Int) async throws -> [Order]? {
        try await liveOrders(of: userId, status: nil, after: cursor, limit: limit, token: nil)
    }

    /// ``liveOrders(of:status:after:limit:token:)`` checking no token.
    public func liveOrders(of userId: UserID, status: OrderStatus?, after cursor: OrderCursor?, limit: Int)
        async throws -> [Order]?
    {
        try await liveOrders(of: userId, status: status, after: cursor, limit: limit, token: nil)
    }

    /// ``insert(_:idempotency:now:token:pricing:)`` checking no token, with the order's own prices.
    public func insert(_ order: Order, idempotency: IdempotencyRecord?, now: Date) async throws -> OrderInsertion {
        try await insert(order, idempotency: idempotency, now: now, token: nil, pricing: nil)
    }

    /// ``insert(_:idempotency:now:token:pricing:)`` with the order's own prices.
    public func insert(_ order: Order, idempotency: IdempotencyRecord?, now: Date, token: CallerToken?)
        async throws -> OrderInsertion
    {
        try await insert(order, idempotency: idempotency, now: now, token: token, pricing: nil)
    }

    /// ``allOrders(status:after:limit:token:)`` checking no token.
    public func allOrders(status: OrderStatus?, after cursor: OrderCursor?, limit: Int) async throws -> [Order] {
        try await allOrders(status: status, after: cursor, limit: limit, token: nil)
    }

    /// ``order(_:of:token:)`` checking no token.
    public func order(_ id: OrderID, of userId: UserID) async throws -> Order? {
        try await order(id, of: userId, token: nil)
    }

    /// All of the user's orders, whatever their status: ``orders(of:status:after:limit:)``.
    public func orders(of userId: UserID, after cursor: OrderCursor?, limit: Int) async throws -> [Order] {
        try await orders(of: userId, status: nil, after: cursor, limit: limit)
    }
}
