import CommerceCore
import CommerceStoreRows
import Foundation
import GRDB

/// An ``OrderStore`` on SQLite through GRDB: one database file for the Order service.
///
/// Orders, tombstones, revocation marks and idempotency records live in one database, so the tombstone
/// and token checks and the insert,
/// and the purge and its tombstone, each commit in one transaction. Writes are serialised by SQLite's single
/// writer, which is what makes (user, key) uniqueness and the tombstone check race-free.
public struct SQLiteOrderStore: OrderStore {
    let writer: any DatabaseWriter
    private let readers: SQLiteReadConnections
    private let inserts: OrderInsertBatcher
    let pages: OrderPageCache
    let watch: SQLiteFileWatch
    /// The file's checkpoints; `nil` for an in-memory database, which has no WAL.
    let checkpointer: SQLiteCheckpointer?

    /// Opens (creating if needed) the database file at `path`, in WAL mode, and migrates it.
    ///
    /// Opening ends every webhook claim the file holds
    /// (``WebhookDeliveryStore/claimDeliveries(of:limit:now:leaseEnd:)``): one process serves a SQLite file
    /// (Documentation/Scaling.md), so a claim found at open is one a process that stopped left behind, and
    /// its deliveries are due again at once rather than when its lease ends.
    /// - Throws: ``CommerceError/Code/unavailable`` with the reason when the file cannot be opened, is not
    ///   a database, or cannot be migrated.
    public init(path: String, durability: SQLiteDurability = .normal) throws(CommerceError) {
        try self.init(path: path, durability: durability, checkpoints: SQLiteCheckpointer.Limits())
    }

    /// Opens the file at `path` as ``init(path:durability:)`` does, with its checkpoints at `checkpoints`.
    init(path: String, durability: SQLiteDurability, checkpoints: SQLiteCheckpointer.Limits) throws(CommerceError) {
        let (writer, checkpointer) = try SQLiteDatabase.open(
            path: path, durability: durability, migrator: OrderSchema.migrator, checkpoints: checkpoints)
        do {
            try writer.write { db in try SQLiteWebhooks.endClaims(in: db) }
        } catch {
            throw translated(error) as? CommerceError
                ?? .unavailable("Cannot open the database at \(path): \(error).")
        }
        self.init(
            writer: writer, readers: SQLiteReadConnections(path: path), file: SQLiteFileIdentity(path: path),
            checkpointer: checkpointer)
    }

    /// A private in-memory database, for tests.
    public static func inMemory() throws(CommerceError) -> SQLiteOrderStore {
        let writer = try SQLiteDatabase.inMemory(migrator: OrderSchema.migrator)
        return SQLiteOrderStore(writer: writer, readers: SQLiteReadConnections(borrowing: writer))
    }

    private init(
        writer: any DatabaseWriter, readers: SQLiteReadConnections, file: SQLiteFileIdentity? = nil,
        checkpointer: SQLiteCheckpointer? = nil
    ) {
        self.writer = writer
        self.checkpointer = checkpointer
        self.readers = readers
        let pages = OrderPageCache.shared(by: file)
        writer.add(transactionObserver: pages, extent: .databaseLifetime)
        self.pages = pages
        watch = SQLiteFileWatch(file: file)
        inserts = OrderInsertBatcher(writer: writer, watch: watch) { db, insert in
            pages.writes(pagesOf: [insert.order.userId], in: db)
            return try OrderPlacement.place(
                db, insert.order, row: insert.row, idempotency: insert.idempotency, now: insert.now,
                token: insert.token, pricing: insert.pricing, traceContext: insert.traceContext
            ) { ids in try Self.products(db, ids: ids) }
        }
    }

    /// Runs a write transaction that can change the kept pages (``OrderPageCache``) of `users` only — none,
    /// for a write of other things — acknowledged only if it landed in the file the store opened. Every
    /// write of the store but a placement's (which names its user in the insert batcher's transaction)
    /// goes through here, so none can leave a page kept that it changed.
    func write<T: Sendable>(
        changingPagesOf users: [UserID], _ body: @escaping @Sendable (Database) throws -> T
    ) async throws -> T {
        try await watch.write(on: writer) { [pages] db in
            pages.writes(pagesOf: users, in: db)
            return try body(db)
        }
    }

    /// The underlying connection, for tests that inspect the schema and settings.
    var databaseWriter: any DatabaseWriter { writer }

    /// The hot reads' connections, for tests that count them.
    var readConnections: SQLiteReadConnections { readers }

    /// Folds the WAL back into the database file and closes it, once the work in progress is done; the
    /// file alone then holds everything. Use the store no more afterwards.
    /// - Throws: ``CommerceError/Code/unavailable`` when SQLite cannot close it.
    public func close() throws {
        readers.close()
        try SQLiteDatabase.close(writer, checkpointer)
    }

    /// See ``OrderRecordStore/checkReadiness()``: also that the file at the path is still the one opened and that
    /// the write lock can be taken.
    public func checkReadiness() async throws {
        try await watch.checkReadiness(of: writer)
    }

    /// See ``OrderRecordStore/insert(_:idempotency:now:token:pricing:)``: the token and tombstone checks, the order and
    /// its key in one transaction (shared with the inserts that arrive meanwhile, each in a savepoint of its own).
    public func insert(
        _ order: Order, idempotency: IdempotencyRecord?, now: Date, token: CallerToken?, pricing: CatalogPricing?
    ) async throws -> OrderInsertion {
        // An order priced from the catalog gets its columns once priced, in the transaction.
        let row = pricing == nil ? OrderRow.encode(order) : nil
        let trace = TraceContextText.current()
        return try await StoreSpan.around(system: "sqlite", operation: #function) {
            try await inserts.insert(
                order, row: row, idempotency: idempotency, now: now, token: token, pricing: pricing,
                traceContext: trace)
        }
    }

    /// Stores many orders in one transaction: for importing data from another system, and for benchmarks.
    /// Orders of tombstoned users are refused (`notFound`) and nothing is stored; no idempotency records.
    public func importOrders(_ orders: [Order]) async throws {
        let rows = orders.map { ($0, OrderRow.encode($0)) }
        try await translatingDatabaseErrors {
            try await write(changingPagesOf: orders.map(\.userId)) { db in
                for (order, row) in rows {
                    if try Self.isTombstoned(db, order.userId) {
                        throw CommerceError.notFound("The user no longer exists.")
                    }
                    try OrderPlacement.insert(db, order, row)
                }
            }
        }
    }

    /// See ``IdempotencyStore/idempotentOrder(userId:key:now:token:)``: the token's mark and the record in one
    /// statement (``OrderPlacement/checks(_:userId:key:now:token:)``).
    public func idempotentOrder(userId: UserID, key: IdempotencyKey, now: Date, token: CallerToken?) async throws
        -> (order: Order, fingerprint: String)?
    {
        try await translatingDatabaseErrors {
            try await writer.read { db in
                let checks = try OrderPlacement.checks(db, userId: userId, key: key, now: now, token: token)
                try token?.check(voidBefore: checks.voidBefore)
                return checks.previous
            }
        }
    }

    /// See ``OrderRecordStore/orders(of:status:after:limit:)``: one range scan of the user's index.
    public func orders(of userId: UserID, status: OrderStatus?, after cursor: OrderCursor?, limit: Int) async throws
        -> [Order]
    {
        try await translatingDatabaseErrors {
            try await writer.read { db in
                try Self.page(db, userId: userId, status: status, after: cursor, limit: limit)
            }
        }
    }

    /// See ``OrderRecordStore/liveOrders(of:status:after:limit:token:)``: the token's mark, the tombstone and the
    /// page in one statement (``OrderHotReads``), on the calling thread (``SQLiteReadConnections``). A user's
    /// newest page read with their own token (or none) is kept until a write that can change it commits
    /// (``OrderPageCache``), and read again from there.
    public func liveOrders(
        of userId: UserID, status: OrderStatus?, after cursor: OrderCursor?, limit: Int, token: CallerToken?
    ) async throws -> [Order]? {
        let kept = cursor == nil && (token == nil || token?.userId == userId)
        let page: OrderPageCache.Page
        if kept, let found = pages.page(of: userId, status: status, limit: limit) {
            page = found
        } else {
            let stamp = pages.stamp(of: userId)
            page = try await translatingDatabaseErrors {
                try readers.read { connection in
                    try OrderHotReads.livePage(
                        connection, of: userId, status: status, after: cursor, limit: limit,
                        markOf: kept ? userId : token?.userId)
                }
            }
            if kept { pages.remember(page, of: userId, status: status, limit: limit, readAfter: stamp) }
        }
        try token?.check(voidBefore: page.voidBefore)
        return page.tombstoned ? nil : page.orders
    }

    /// See ``OrderRecordStore/allOrders(status:after:limit:token:)``: the token's mark, then one range scan of
    /// `order_recent`, or of `order_status` for one status, in one read transaction.
    public func allOrders(status: OrderStatus?, after cursor: OrderCursor?, limit: Int, token: CallerToken?)
        async throws -> [Order]
    {
        try await translatingDatabaseErrors {
            try await writer.read { db in
                try Self.checkToken(db, token)
                return try Self.page(db, userId: nil, status: status, after: cursor, limit: limit)
            }
        }
    }

    /// See ``OrderRecordStore/order(_:of:token:)``: the token's mark and one primary-key lookup in one statement
    /// (``OrderHotReads``), on the calling thread (``SQLiteReadConnections``).
    public func order(_ id: OrderID, of userId: UserID, token: CallerToken?) async throws -> Order? {
        try await translatingDatabaseErrors {
            try readers.read { connection in try OrderHotReads.order(connection, id, of: userId, token: token) }
        }
    }

    /// See ``OrderRecordStore/transition(_:to:)``: one `UPDATE` whose `WHERE` is the compare (status and version),
    /// so SQLite's single writer makes the compare and the set one step.
    public func transition(_ order: Order, to entry: OrderHistoryEntry) async throws -> Order? {
        let moved = order.moved(to: entry)
        let history = StoredOrderHistory.encode(moved.history)
        let trace = TraceContextText.current()
        return try await translatingDatabaseErrors {
            try await write(changingPagesOf: [order.userId]) { db in
                let update = try db.cachedStatement(
                    sql: """
                        UPDATE "order" SET status = ?, history = ?, version = ?, updatedAt = ?
                        WHERE id = ? AND userId = ? AND status = ? AND version = ?
                        """)
                try update.execute(arguments: [
                    moved.status.rawValue, history, moved.version, moved.updatedAt.millisecondsSince1970,
                    order.id.description, order.userId.description, order.status.rawValue, order.version,
                ])
                guard db.changesCount == 1 else { return nil }
                if !OrderLifecycle.holdingStock.contains(moved.status) {
                    try Self.putBackStock(db, where: "id = ?", [order.id.description])
                }
                try SQLiteWebhooks.record(.step(of: moved, traceContext: trace), in: db)
                return moved
            }
        }
    }

    /// A newest-first page: of one user's orders (their `(userId, createdAt, id)` index) or of everyone's,
    /// of one status or all, after a cursor or from the top. Each shape is one cached statement.
    private static func page(
        _ db: Database, userId: UserID?, status: OrderStatus?, after cursor: OrderCursor?, limit: Int
    ) throws -> [Order] {
        var conditions: [String] = []
        var arguments = StatementArguments()
        if let userId {
            conditions.append("userId = ?")
            _ = arguments.append(contentsOf: [userId.description])
        }
        if let status {
            conditions.append("status = ?")
            _ = arguments.append(contentsOf: [status.rawValue])
        }
        if let cursor {
            conditions.append("(createdAt, id) < (?, ?)")
            _ = arguments.append(contentsOf: [cursor.createdAt.millisecondsSince1970, cursor.id.description])
        }
        _ = arguments.append(contentsOf: [max(0, limit)])
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let select = try db.cachedStatement(
            sql: #"SELECT \#(OrderRow.columns) FROM "order" \#(filter) ORDER BY createdAt DESC, id DESC LIMIT ?"#)
        return try Row.fetchAll(select, arguments: arguments).map { try OrderRow.order($0) }
    }

    /// See ``OrderRecordStore/purge(_:at:)``: the deletes and the tombstone in one transaction, then the
    /// deleted bytes erased from the files.
    public func purge(_ userId: UserID, at date: Date) async throws -> Int {
        let trace = TraceContextText.current()
        return try await translatingDatabaseErrors {
            let deleted = try await write(changingPagesOf: [userId]) { db in
                let first = try Self.forgetOrdersOnFirstDeletion(of: userId, at: date, in: db)
                try Self.putBackStock(
                    db, where: "userId = ? AND status IN \(Self.returningStatuses)", [userId.description])
                try db.execute(sql: #"DELETE FROM "order" WHERE userId = ?"#, arguments: [userId.description])
                let deleted = db.changesCount
                try db.execute(sql: "DELETE FROM idempotencyRecord WHERE userId = ?", arguments: [userId.description])
                if first {
                    try Self.recordPurge(of: userId, deleted: deleted, anonymised: 0, at: date, trace: trace, in: db)
                }
                try Self.tombstone(userId, db)
                return deleted
            }
            try await SQLiteDatabase.eraseFreedBytes(writer, checkpointer)
            return deleted
        }
    }

    /// See ``OrderRecordStore/anonymise(_:as:at:)``: the user's orders rewritten, the records deleted and the
    /// tombstone recorded in one write transaction, then the replaced bytes erased from the files.
    public func anonymise(_ userId: UserID, as anonymous: UserID, at date: Date) async throws -> Int {
        let trace = TraceContextText.current()
        return try await translatingDatabaseErrors {
            let kept = try await write(changingPagesOf: [userId, anonymous]) { db in
                let first = try Self.forgetOrdersOnFirstDeletion(of: userId, at: date, in: db)
                try Self.putBackStock(
                    db, where: "userId = ? AND status IN \(Self.returningStatuses)", [userId.description])
                let orders = try Row.fetchAll(
                    db, sql: #"SELECT \#(OrderRow.columns) FROM "order" WHERE userId = ?"#,
                    arguments: [userId.description]
                ).map { try OrderRow.order($0) }
                for order in orders {
                    let kept = order.anonymised(as: anonymous, at: date)
                    let row = OrderRow.encode(kept)
                    try db.execute(
                        sql: """
                            UPDATE "order" SET userId = ?, items = ?, deliveryAddress = ?, history = ?, version = ?,
                                               updatedAt = ?, stockTaken = NULL
                            WHERE id = ?
                            """,
                        arguments: [
                            anonymous.description, row.items, kept.deliveryAddress, row.history, kept.version,
                            kept.updatedAt.millisecondsSince1970, kept.id.description,
                        ])
                }
                try db.execute(sql: "DELETE FROM idempotencyRecord WHERE userId = ?", arguments: [userId.description])
                if first {
                    try Self.recordPurge(
                        of: userId, deleted: 0, anonymised: orders.count, at: date, trace: trace, in: db)
                }
                try Self.tombstone(userId, db)
                return orders.count
            }
            try await SQLiteDatabase.eraseFreedBytes(writer, checkpointer)
            return kept
        }
    }

    /// Whether this is `userId`'s first deletion (no tombstone yet); if it is, what was not yet delivered of
    /// their orders is forgotten, before their orders are deleted or rewritten (their ids find it).
    private static func forgetOrdersOnFirstDeletion(of userId: UserID, at date: Date, in db: Database) throws -> Bool {
        guard try !isTombstoned(db, userId) else { return false }
        try SQLiteWebhooks.forgetOrders(of: userId, at: date, in: db)
        return true
    }

    /// The `orders.purged` event of a user's first deletion.
    private static func recordPurge(
        of userId: UserID, deleted: Int, anonymised: Int, at date: Date, trace: String?, in db: Database
    ) throws {
        try SQLiteWebhooks.record(
            OrderEvent(
                type: .purged, occurredAt: date,
                data: .purged(userId: userId, deleted: deleted, anonymised: anonymised),
                traceContext: trace),
            in: db)
    }

    /// The statuses whose orders give their stock back when their user is deleted, as an SQL list.
    private static let returningStatuses =
        "(" + OrderLifecycle.returningStockOnDeletion.map { "'\($0.rawValue)'" }.sorted().joined(separator: ", ") + ")"

    /// Puts back, in the caller's transaction, the stock the orders matching `condition` took, and clears
    /// their record of it, so it is put back once. A product no longer tracked stays untracked.
    private static func putBackStock(_ db: Database, where condition: String, _ arguments: StatementArguments) throws {
        let taken = try String.fetchAll(
            db, sql: #"SELECT stockTaken FROM "order" WHERE \#(condition) AND stockTaken IS NOT NULL"#,
            arguments: arguments)
        guard !taken.isEmpty else { return }
        let putBack = try db.cachedStatement(
            sql: "UPDATE product SET stock = stock + ? WHERE id = ? AND stock IS NOT NULL")
        for text in taken {
            for (productId, quantity) in try StoredStockTaken.decode(text) {
                try putBack.execute(arguments: [quantity, productId])
            }
        }
        try db.execute(
            sql: #"UPDATE "order" SET stockTaken = NULL WHERE \#(condition) AND stockTaken IS NOT NULL"#,
            arguments: arguments)
    }

    /// See ``IdempotencyStore/sweepExpiredIdempotencyRecords(now:limit:)``: one bounded delete, found through the
    /// expiry index.
    public func sweepExpiredIdempotencyRecords(now: Date, limit: Int) async throws -> Int {
        try await translatingDatabaseErrors {
            try await write(changingPagesOf: []) { db in
                try db.execute(
                    sql: """
                        DELETE FROM idempotencyRecord WHERE (userId, key) IN (
                            SELECT userId, key FROM idempotencyRecord WHERE expiresAt <= ? LIMIT ?)
                        """,
                    arguments: [now.millisecondsSince1970, max(0, limit)])
                return db.changesCount
            }
        }
    }

    /// See ``RevocationMarkStore/revokeTokens(of:issuedBefore:)``: one upsert keeping the later mark.
    public func revokeTokens(of userId: UserID, issuedBefore date: Date) async throws -> Date {
        try await translatingDatabaseErrors {
            try await write(changingPagesOf: [userId]) { db in
                try db.execute(
                    sql: """
                        INSERT INTO tokenRevocation (userId, voidBefore) VALUES (?, ?)
                        ON CONFLICT (userId) DO UPDATE SET voidBefore = MAX(voidBefore, excluded.voidBefore)
                        """, arguments: [userId.description, date.millisecondsSince1970])
                guard let mark = try Self.voidBefore(db, userId) else {
                    throw CommerceError.internalFailure("A revocation mark was not stored.")
                }
                return mark
            }
        }
    }

    /// Records the tombstone of a deleted user — their id alone: no time, which anonymised orders' `updatedAt`
    /// would join back to the person — and marks every token of theirs void (``CallerToken/deletedUserMark``,
    /// the same for everyone), in the purge's transaction.
    private static func tombstone(_ userId: UserID, _ db: Database) throws {
        try db.execute(sql: "INSERT OR IGNORE INTO tombstone (userId) VALUES (?)", arguments: [userId.description])
        try db.execute(
            sql: """
                INSERT INTO tokenRevocation (userId, voidBefore) VALUES (?, ?)
                ON CONFLICT (userId) DO UPDATE SET voidBefore = excluded.voidBefore
                """, arguments: [userId.description, CallerToken.deletedUserMark.millisecondsSince1970])
    }

    /// See ``RevocationMarkStore/tokensVoidBefore(of:)``.
    public func tokensVoidBefore(of userId: UserID) async throws -> Date? {
        try await translatingDatabaseErrors {
            try await writer.read { db in try Self.voidBefore(db, userId) }
        }
    }

    private static func voidBefore(_ db: Database, _ userId: UserID) throws -> Date? {
        let select = try db.cachedStatement(sql: "SELECT voidBefore FROM tokenRevocation WHERE userId = ?")
        return try Int64.fetchOne(select, arguments: [userId.description]).map(Date.init(millisecondsSince1970:))
    }

    /// Refuses a token voided since it was issued; a primary-key lookup in the caller's transaction.
    private static func checkToken(_ db: Database, _ token: CallerToken?) throws {
        guard let token else { return }
        try token.check(voidBefore: try voidBefore(db, token.userId))
    }

    /// See ``ProductCatalog/putProduct(_:)``: one upsert, which says whether the row existed.
    public func putProduct(_ product: Product) async throws -> Bool {
        try await translatingDatabaseErrors {
            try await write(changingPagesOf: []) { db in
                let existed =
                    try Bool.fetchOne(
                        db, sql: "SELECT EXISTS (SELECT 1 FROM product WHERE id = ?)", arguments: [product.id]) ?? false
                try db.execute(
                    sql: """
                        INSERT OR REPLACE INTO product (id, name, priceMinorUnits, currency, active, updatedAt, stock)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        product.id, product.name, product.price.minorUnits, product.currency.value, product.active,
                        product.updatedAt.millisecondsSince1970, product.stock,
                    ])
                return !existed
            }
        }
    }

    /// See ``ProductCatalog/product(_:)``.
    public func product(_ id: String) async throws -> Product? {
        try await translatingDatabaseErrors {
            try await writer.read { db in try Self.products(db, ids: [id])[id] }
        }
    }

    /// See ``ProductCatalog/adjustStock(of:by:at:)``: read and written in one write transaction, which no
    /// other writer enters, so racing adjustments each apply.
    public func adjustStock(of id: String, by change: Int, at date: Date) async throws -> Product? {
        try await translatingDatabaseErrors {
            try await write(changingPagesOf: []) { db in
                guard let product = try Self.products(db, ids: [id])[id] else { return nil }
                let changed = try product.adjustingStock(by: change, at: date)
                try db.execute(
                    sql: "UPDATE product SET stock = ?, updatedAt = ? WHERE id = ?",
                    arguments: [changed.stock, changed.updatedAt.millisecondsSince1970, id])
                return changed
            }
        }
    }

    /// See ``ProductCatalog/products(active:inStock:after:limit:)``: a range of the primary key, or of
    /// `product_active` for one activity, the stock filtered as it goes.
    public func products(active: Bool?, inStock: Bool?, after: String?, limit: Int) async throws -> [Product] {
        var conditions: [String] = []
        var arguments = StatementArguments()
        if let active {
            conditions.append("active = ?")
            _ = arguments.append(contentsOf: [active])
        }
        if let inStock { conditions.append(inStock ? "(stock IS NULL OR stock > 0)" : "stock = 0") }
        if let after {
            conditions.append("id > ?")
            _ = arguments.append(contentsOf: [after])
        }
        _ = arguments.append(contentsOf: [max(0, limit)])
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let bound = arguments
        return try await translatingDatabaseErrors {
            try await writer.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT \(Self.productColumns) FROM product \(filter) ORDER BY id LIMIT ?",
                    arguments: bound
                ).map(Self.product)
            }
        }
    }

    private static let productColumns = "id, name, priceMinorUnits, currency, active, updatedAt, stock"

    /// The products with these ids, by id, read in the caller's transaction: one primary-key lookup per id,
    /// through SQLite's C API (``SQLiteRawStatement``). A catalog-priced placement makes it on the writer's
    /// thread; through GRDB's rows, with an `IN` list built for each order, it was a third of the writer's
    /// own work (Documentation/PerformanceLog.md).
    private static func products(_ db: Database, ids: [String]) throws -> [String: Product] {
        let select = SQLiteRawStatement(
            try db.cachedStatement(sql: "SELECT \(productColumns) FROM product WHERE id = ?"))
        var products: [String: Product] = [:]
        for id in ids where products[id] == nil {
            try select.rows { arguments in
                try arguments.bind(id)
            } row: { row in
                products[id] = Product(
                    id: id, name: row.text(at: 1), price: Money(minorUnits: row.int64(at: 2)),
                    currency: CurrencyCode(trusted: row.text(at: 3)), active: row.int64(at: 4) != 0,
                    updatedAt: Date(millisecondsSince1970: row.int64(at: 5)),
                    stock: row.isNull(at: 6) ? nil : Int(row.int64(at: 6)))
            }
        }
        return products
    }

    private static func product(_ row: Row) throws -> Product {
        Product(
            id: row[0], name: row[1], price: Money(minorUnits: row[2]), currency: CurrencyCode(trusted: row[3]),
            active: row[4], updatedAt: Date(millisecondsSince1970: row[5]), stock: row[6])
    }

    /// See ``RevocationMarkStore/isTombstoned(_:)``.
    public func isTombstoned(_ userId: UserID) async throws -> Bool {
        try await translatingDatabaseErrors {
            try await writer.read { db in try Self.isTombstoned(db, userId) }
        }
    }

    private static func isTombstoned(_ db: Database, _ userId: UserID) throws -> Bool {
        let exists = try db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM tombstone WHERE userId = ?)")
        return try Bool.fetchOne(exists, arguments: [userId.description]) ?? false
    }
}

/// How an ``Order`` maps to and from its row: ``StoredOrderRow``'s columns, read by position (looking
/// columns up by name lower-cases every name on every row, which the profile in
/// Documentation/PerformanceLog.md found on the read path).
enum OrderRow {
    /// The JSON columns of a row: the items (``StoredOrderItems``) and the history (``StoredOrderHistory``).
    struct Texts: Sendable {
        let items: String
        let history: String
    }

    /// The JSON columns of `order`'s row, made before its write transaction.
    static func encode(_ order: Order) -> Texts {
        Texts(items: StoredOrderItems.encode(order.items), history: StoredOrderHistory.encode(order.history))
    }

    static let columns = ColumnNaming.camelCase.list(StoredOrderRow.names)
    static let columnCount = StoredOrderRow.names.count

    /// ``columns``, qualified with a table alias.
    static func columns(of table: String) -> String { ColumnNaming.camelCase.list(StoredOrderRow.names, table: table) }

    /// The order in a row that selected ``columns`` from position `start` on (the first, by default). The
    /// ids and the JSON columns are read from the row's bytes (no `String` is made of them).
    static func order(_ row: some SQLiteColumns, from start: Int = 0) throws -> Order {
        guard let id: OrderID = row.identifier(at: start), let userId: UserID = row.identifier(at: start + 1) else {
            throw CommerceError.internalFailure("A stored order has a malformed id.")
        }
        return try StoredOrderRow.order(
            id: id, userId: userId, items: try row.withUTF8(at: start + 2) { try StoredOrderItems.decode(utf8: $0) },
            deliveryAddress: row.text(at: start + 3), status: row.text(at: start + 4),
            currency: row.text(at: start + 5), totalMinorUnits: row.int64(at: start + 6),
            createdAt: row.int64(at: start + 7), updatedAt: row.int64(at: start + 8),
            history: try row.withUTF8(at: start + 9) { try StoredOrderHistory.decode(utf8: $0) },
            version: Int(row.int64(at: start + 10)))
    }
}

/// A result row's values by position, which ``OrderRow`` reads an order from: a GRDB `Row`, or the row a
/// ``SQLiteRawStatement`` is on.
protocol SQLiteColumns {
    func text(at column: Int) -> String
    func int64(at column: Int) -> Int64
    /// Runs `body` with the UTF-8 bytes of a text column (empty for NULL), valid only inside `body`.
    func withUTF8<Result>(at column: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows
        -> Result
}

extension SQLiteColumns {
    /// The identifier a text column holds; `nil` when it is not a UUID.
    func identifier<ID: CommerceIdentifier>(at column: Int) -> ID? { withUTF8(at: column) { ID(utf8: $0) } }
}

extension Row: SQLiteColumns {
    func text(at column: Int) -> String { self[column] }
    func int64(at column: Int) -> Int64 { self[column] }

    func withUTF8<Result>(at column: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows
        -> Result
    {
        var text = text(at: column)
        return try text.withUTF8(body)
    }
}

extension SQLiteRawStatement: SQLiteColumns {}
