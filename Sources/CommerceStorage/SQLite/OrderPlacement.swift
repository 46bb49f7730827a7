import CommerceCore
import CommerceStoreRows
import Foundation
import GRDB
import GRDBSQLite

/// An order's placement on SQLite, inside the group commit's write transaction (``OrderInsertBatcher``):
/// one statement reads everything the rules need (the token's mark, the tombstone, a live idempotency
/// record and its order), then the order, its record and the stock it takes are written in a savepoint of
/// their own, so an
/// insert that fails leaves no trace and does not touch the others of its transaction.
///
/// The statements are GRDB's cached ones, driven through SQLite's C API (``SQLiteRawStatement``): through
/// GRDB's statements, bindings and `Row`s, and with the savepoint's `SAVEPOINT` and `RELEASE` prepared
/// again for every order, the writer thread's work beyond SQLite's own was a large share of a placement's
/// CPU (`scripts/bench`, `POST /api/order`; Documentation/PerformanceLog.md).
enum OrderPlacement {
    /// What the rules read before an insert: arguments are the token's user (or NULL), the user, the
    /// user and the key (or NULL) of the idempotency record, and the time it must outlive. It also reads the
    /// subscriptions that take `order.placed`, which a placement records its event for: one statement
    /// fewer for each placement than asking apart. Each is a scalar subquery: joined to the live record
    /// and its order instead, the statement cost a placement about 3 µs more, for a replay's order that
    /// ``previousSQL`` reads only when there is one (Documentation/PerformanceLog.md). (Internal for the test
    /// that reads its query plan.)
    static let checksSQL = """
        SELECT (SELECT voidBefore FROM tokenRevocation WHERE userId = ?),
            EXISTS (SELECT 1 FROM tombstone WHERE userId = ?),
            (SELECT group_concat(id) FROM webhookSubscription WHERE active = 1 AND instr(events, ',order.placed,') > 0),
            EXISTS (SELECT 1 FROM idempotencyRecord WHERE userId = ? AND key = ? AND expiresAt > ?)
        """

    /// A live idempotency record's fingerprint and its order: arguments are the user, the key, and the
    /// time the record must outlive. (Internal for the test that reads its query plan.)
    static let previousSQL = """
        SELECT r.fingerprint, \(OrderRow.columns(of: "o")) FROM idempotencyRecord r JOIN "order" o ON o.id = r.orderId
        WHERE r.userId = ? AND r.key = ? AND r.expiresAt > ?
        """

    private static let insertOrderSQL =
        #"INSERT INTO "order" (\#(OrderRow.columns), stockTaken) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"#
    private static let takeStockSQL = "UPDATE product SET stock = stock - ? WHERE id = ?"
    private static let insertRecordSQL = """
        INSERT OR REPLACE INTO idempotencyRecord (userId, key, fingerprint, orderId, expiresAt) VALUES (?, ?, ?, ?, ?)
        """

    /// What ``checksSQL`` read.
    struct Checks {
        /// The token user's revocation mark.
        var voidBefore: Date?
        var tombstoned = false
        /// The order a live idempotency record points at, with the record's fingerprint.
        var previous: (order: Order, fingerprint: String)?
        /// The active subscriptions that take `order.placed` (``SQLiteWebhooks/takers(of:in:)``'s answer).
        var placedTakers: [String] = []
    }

    /// The token's mark, the tombstone of `userId`, the subscriptions that take `order.placed`, and the
    /// order a live record of `key` points at.
    static func checks(_ db: Database, userId: UserID, key: IdempotencyKey?, now: Date, token: CallerToken?) throws
        -> Checks
    {
        var checks = Checks()
        var replayed = false
        try SQLiteRawStatement(try db.cachedStatement(sql: checksSQL)).rows { arguments in
            try arguments.bind(token?.userId.description)
            try arguments.bind(userId.description)
            try arguments.bind(userId.description)
            try arguments.bind(key?.value)
            try arguments.bind(now.millisecondsSince1970)
        } row: { row in
            checks.voidBefore = row.isNull(at: 0) ? nil : Date(millisecondsSince1970: row.int64(at: 0))
            checks.tombstoned = row.int64(at: 1) != 0
            if !row.isNull(at: 2) { checks.placedTakers = row.text(at: 2).split(separator: ",").map(String.init) }
            replayed = row.int64(at: 3) != 0
        }
        guard replayed, let key else { return checks }
        // A record whose order is gone (no purge leaves one; an old file might) is no record.
        try SQLiteRawStatement(try db.cachedStatement(sql: previousSQL)).rows { arguments in
            try arguments.bind(userId.description)
            try arguments.bind(key.value)
            try arguments.bind(now.millisecondsSince1970)
        } row: { row in
            checks.previous = (try OrderRow.order(row, from: 1), row.text(at: 0))
        }
        return checks
    }

    /// Places `order` under the store's rules: refuses a voided token and a tombstoned user (`notFound`),
    /// answers a live record's order for its key, prices the order with `pricing` from the products
    /// `catalog` reads by id, and writes the order with its record and its `order.placed` event (caused within
    /// `traceContext`). Nothing is written unless it returns `.created`.
    static func place(
        _ db: Database, _ order: Order, row: OrderRow.Texts?, idempotency: IdempotencyRecord?, now: Date,
        token: CallerToken?, pricing: CatalogPricing?, traceContext: String?,
        catalog: ([String]) throws -> [String: Product]
    ) throws -> OrderInsertion {
        let checks = try checks(db, userId: order.userId, key: idempotency?.key, now: now, token: token)
        try token?.check(voidBefore: checks.voidBefore)
        if checks.tombstoned { throw CommerceError.notFound("The user no longer exists.") }
        if let previous = checks.previous { return .existing(previous.order, fingerprint: previous.fingerprint) }
        // Priced in this write transaction: the prices stored are the ones in force when it commits.
        var order = order
        var take: [String: Int] = [:]
        if let pricing {
            let products = try catalog(pricing.productIds)
            order = try pricing.priced(order, catalog: products)
            // Read in this write transaction, which no other writer can enter: what it finds is what it takes.
            take = try pricing.stockToTake(from: products)
        }
        let row = row ?? OrderRow.encode(order)
        let subscribers = checks.placedTakers
        if idempotency == nil, take.isEmpty, subscribers.isEmpty {
            try insert(db, order, row)  // one statement: SQLite makes it atomic on its own
            return .created(order)
        }
        try inSavepoint(db) {
            if let idempotency {
                try SQLiteRawStatement(try db.cachedStatement(sql: insertRecordSQL)).execute { arguments in
                    try arguments.bind(idempotency.userId.description)
                    try arguments.bind(idempotency.key.value)
                    try arguments.bind(idempotency.fingerprint)
                    try arguments.bind(idempotency.orderId.description)
                    try arguments.bind(idempotency.expiresAt.millisecondsSince1970)
                }
            }
            for (productId, quantity) in take {
                try SQLiteRawStatement(try db.cachedStatement(sql: takeStockSQL)).execute { arguments in
                    try arguments.bind(Int64(quantity))
                    try arguments.bind(productId)
                }
            }
            try insert(db, order, row, stockTaken: StoredStockTaken.encode(take))
            try SQLiteWebhooks.record(
                .step(of: order, traceContext: traceContext), to: subscribers,
                data: SQLiteWebhooks.isTellableFromRow(order)
                    ? SQLiteWebhooks.dataInOrderRow
                    : StoredOrderEvent.encode(order, items: row.items, history: row.history), in: db)
        }
        return .created(order)
    }

    /// Writes the order's row, with what its placement took from the stock (`nil`: nothing).
    static func insert(_ db: Database, _ order: Order, _ row: OrderRow.Texts, stockTaken: String? = nil) throws {
        try SQLiteRawStatement(try db.cachedStatement(sql: insertOrderSQL)).execute { arguments in
            try arguments.bind(order.id.description)
            try arguments.bind(order.userId.description)
            try arguments.bind(row.items)
            try arguments.bind(order.deliveryAddress)
            try arguments.bind(order.status.rawValue)
            try arguments.bind(order.currency.value)
            try arguments.bind(order.total.minorUnits)
            try arguments.bind(order.createdAt.millisecondsSince1970)
            try arguments.bind(order.updatedAt.millisecondsSince1970)
            try arguments.bind(row.history)
            try arguments.bind(Int64(order.version))
            try arguments.bind(stockTaken)
        }
    }

    /// Runs `body` in a savepoint of the caller's transaction, rolled back (and released) when it throws.
    private static func inSavepoint(_ db: Database, _ body: () throws -> Void) throws {
        try SQLiteRawStatement(try db.cachedStatement(sql: "SAVEPOINT placement")).execute { _ in }
        do {
            try body()
        } catch {
            // SQLite may have rolled the whole transaction back (a full disk, an I/O error): the savepoint
            // is gone with it, and the batch's caller sees that the transaction is.
            if sqlite3_get_autocommit(db.sqliteConnection) == 0 {
                try SQLiteRawStatement(try db.cachedStatement(sql: "ROLLBACK TO placement")).execute { _ in }
                try SQLiteRawStatement(try db.cachedStatement(sql: "RELEASE placement")).execute { _ in }
            }
            throw error
        }
        try SQLiteRawStatement(try db.cachedStatement(sql: "RELEASE placement")).execute { _ in }
    }
}
