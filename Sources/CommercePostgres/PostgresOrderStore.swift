import CommerceCore
import CommerceStoreRows
import CommerceSupport
import Foundation
import Logging
import PostgresNIO

/// An ``OrderStore`` on PostgreSQL, for several Order service replicas sharing one database.
///
/// Every write of a user's orders first takes a transaction-level advisory lock on the user — shared for a
/// placement, exclusive for a purge or an anonymisation — so across replicas the tombstone check and the
/// insert are one step (no insert can slip in after a purge's delete) while one user's placements still run
/// side by side; the idempotency key's primary key lets only one of two placements with one key store an
/// order. Reads take no lock.
///
/// The `PostgresClient` must be running; call ``migrate()`` once at start, before serving.
public struct PostgresOrderStore: OrderStore {
    let database: PostgresDatabase
    let logger: Logger
    private let pages: PostgresBatcher<PostgresUserPageStatement, MarkedPage>
    private let placements:
        PostgresBatcher<PostgresPlaceOrderStatement, Result<PostgresPlaceOrderStatement.Row, any Error>>

    /// A store on `client`'s database.
    ///
    /// The hot statements — a user's page and a placement — go in batches (``PostgresBatcher``): requests
    /// that arrive while `batchesInFlight` batches of pages, or `placementBatchesInFlight` of placements,
    /// are running go together in the next one. Give the client's pool at least the two together, so that
    /// both kinds can run that many at once; with exactly that, as `commerce-server` gives it, any other
    /// statement under full load waits for the next batch to end, which is one statement's time.
    ///
    /// Placements default to one batch at a time. Every placement of a product whose stock is tracked holds
    /// its row until its batch commits, so batches of a shop's best seller only wait for each other: one at
    /// a time, the next holds everything that arrived meanwhile, and a commit (an fsync) is shared by all of
    /// them (`scripts/bench --postgres`: 2,135 → 2,607 placements a second, p99 33 → 22 ms;
    /// Documentation/PerformanceLog.md).
    public init(
        client: PostgresClient, batchesInFlight: Int = 4, placementBatchesInFlight: Int = 1,
        logger: Logger = Logger(label: "commerce.postgres.orders")
    ) {
        let database = PostgresDatabase(client)
        self.database = database
        self.logger = logger
        pages = PostgresBatcher(limit: batchesInFlight, largest: Self.largestBatch) { [logger] pages in
            try await Self.pages(pages, database: database, logger: logger)
        }
        placements = PostgresBatcher(limit: placementBatchesInFlight, largest: Self.largestBatch) {
            [logger] placements in
            await Self.place(placements, database: database, logger: logger)
        }
    }

    /// The most requests in one batch: enough for every connection of a busy server's clients, and a bound
    /// on one statement's size and on what one failure takes with it.
    private static let largestBatch = 64

    /// Applies the schema migrations this version needs; safe when several replicas start at once.
    public func migrate() async throws {
        try await PostgresOrderSchema.migrations.apply(on: database, logger: logger)
    }

    /// See ``OrderRecordStore/insert(_:idempotency:now:token:pricing:)``: one round trip, shared by a batch —
    /// `commerce_place_orders` (``PostgresPlaceOrders``) locks the tracked products and the users, and decides
    /// the token, the tombstone, the idempotent replay, the catalog's prices, the stock and the inserts inside
    /// PostgreSQL, as one transaction. Only a replay (its order read by id) takes another; an order the catalog
    /// cannot price or stock is answered from the same trip (Core's ``CatalogPricing`` says why).
    public func insert(
        _ order: Order, idempotency: IdempotencyRecord?, now: Date, token: CallerToken?, pricing: CatalogPricing?
    ) async throws -> OrderInsertion {
        let placement = Self.placement(order, idempotency: idempotency, now: now, token: token, pricing: pricing)
        return try await translatingPostgresErrors {
            switch try await placements.answer(placement).get() {
            case .revoked(let mark):
                try token?.check(voidBefore: mark.map(Date.init(millisecondsSince1970:)))
                throw CommerceError.tokenRevoked
            case .tombstoned:
                throw CommerceError.notFound("The user no longer exists.")
            case .existing(let existing, let fingerprint):
                guard let previous = try await self.order(OrderID(uuid: existing), of: order.userId) else {
                    throw CommerceError.internalFailure("An idempotency record names no order.")
                }
                return .existing(previous, fingerprint: fingerprint)
            case .unpriceable(let products):
                let catalog = try Self.catalog(products)
                _ = try pricing?.priced(order, catalog: catalog)
                _ = try pricing?.stockToTake(from: catalog)
                throw CommerceError.internalFailure("The catalog priced an order PostgreSQL could not.")
            case .created(let priced):
                guard pricing != nil else { return .created(order) }
                guard let priced else {
                    throw CommerceError.internalFailure(
                        "commerce_place_order answered a priced order without its prices.")
                }
                return .created(
                    Order(
                        id: order.id, userId: order.userId, items: try StoredOrderItems.decode(priced.items),
                        deliveryAddress: order.deliveryAddress, status: order.status,
                        currency: CurrencyCode(trusted: priced.currency), total: Money(minorUnits: priced.total),
                        createdAt: order.createdAt, updatedAt: order.updatedAt, history: order.history,
                        version: order.version))
            }
        }
    }

    /// The statement that places `order` alone.
    static func placement(
        _ order: Order, idempotency: IdempotencyRecord?, now: Date, token: CallerToken?, pricing: CatalogPricing?
    ) -> PostgresPlaceOrderStatement {
        PostgresPlaceOrderStatement(
            order: order, items: pricing == nil ? StoredOrderItems.encode(order.items) : nil,
            lines: pricing.map(Self.lines), requestedCurrency: pricing?.requestedCurrency?.value,
            history: StoredOrderHistory.encode(order.history), token: token, idempotency: idempotency, now: now,
            traceContext: TraceContextText.current())
    }

    /// Runs a batch of placements, a batch of one too, in one ``PostgresPlaceOrdersStatement``: set-based when
    /// every placement is plain (``PostgresPlaceOrders``). A batch PostgreSQL refuses (an error from the
    /// server: nothing of it is stored) is tried again one placement at a time with
    /// ``PostgresPlaceOrderStatement``, so that each gets its own answer (a key another replica stored
    /// meanwhile its replay); a lost connection fails all of it, as it would fail one placement.
    static func place(_ placements: [PostgresPlaceOrderStatement], database: PostgresDatabase, logger: Logger)
        async -> [Result<PostgresPlaceOrderStatement.Row, any Error>]
    {
        do {
            // In the order of their idempotency keys: a placement holds its key's row until the batch
            // commits, so two batches that take keys in one order cannot each wait for the other's.
            let order = placements.indices.sorted { placements[$0].keyOrder < placements[$1].keyOrder }
            var answers: [PostgresPlaceOrderStatement.Row?] = Array(repeating: nil, count: placements.count)
            let batch = PostgresPlaceOrdersStatement(placements: order.map { placements[$0] })
            for (number, row) in try await database.execute(batch, logger: logger) {
                guard order.indices.contains(Int(number) - 1) else {
                    throw CommerceError.internalFailure("A batch of placements answered placement \(number).")
                }
                answers[order[Int(number) - 1]] = row
            }
            return answers.map { answer in
                answer.map { .success($0) }
                    ?? .failure(CommerceError.internalFailure("commerce_place_order answered nothing."))
            }
        } catch let error as PSQLError where error.serverInfo != nil {
            // Refused by PostgreSQL: each placement alone, below.
        } catch {
            return placements.map { _ in .failure(error) }
        }
        var answers: [Result<PostgresPlaceOrderStatement.Row, any Error>] = []
        for placement in placements {
            do {
                var answer: PostgresPlaceOrderStatement.Row?
                for row in try await database.execute(placement, logger: logger) { answer = row }
                guard let answer else { throw CommerceError.internalFailure("commerce_place_order answered nothing.") }
                answers.append(.success(answer))
            } catch {
                answers.append(.failure(error))
            }
        }
        return answers
    }

    /// The lines a catalog-priced order asks for, as `commerce_place_order` reads them: `[{productId,
    /// quantity, price}]`, the price in minor units when the client named one (absent otherwise). Written by
    /// hand: `JSONEncoder` took about 7 µs of a placement's time on the requests' loop
    /// (Documentation/PerformanceLog.md).
    static func lines(_ pricing: CatalogPricing) -> String {
        var writer = JSONWriter(capacity: 2 + 64 * pricing.lines.count)
        writer.beginArray()
        for line in pricing.lines {
            writer.beginObject()
            writer.member("productId", line.productId)
            writer.member("quantity", line.quantity)
            writer.member("price", line.requestedPrice.map { Int($0.minorUnits) })
            writer.endObject()
        }
        writer.endArray()
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// The products `commerce_place_order` answered with an order it could not price, by id.
    private static func catalog(_ json: String) throws -> [String: Product] {
        struct Row: Decodable {
            let id: String
            let name: String
            let price: Int64
            let currency: String
            let active: Bool
            let updatedAt: Int64
            let stock: Int?
        }
        let rows = try JSONDecoder().decode([Row].self, from: Data(json.utf8))
        return Dictionary(
            rows.map {
                (
                    $0.id,
                    Product(
                        id: $0.id, name: $0.name, price: Money(minorUnits: $0.price),
                        currency: CurrencyCode(trusted: $0.currency), active: $0.active,
                        updatedAt: Date(millisecondsSince1970: $0.updatedAt), stock: $0.stock)
                )
            }
        ) { first, _ in first }
    }

    /// See ``IdempotencyStore/idempotentOrder(userId:key:now:token:)``: the token's mark, then the record, on one
    /// connection (this read serves only a user the service has not seen lately).
    public func idempotentOrder(userId: UserID, key: IdempotencyKey, now: Date, token: CallerToken?) async throws
        -> (order: Order, fingerprint: String)?
    {
        try await translatingPostgresErrors {
            try await database.withConnection { connection in
                if let token {
                    try token.check(
                        voidBefore: try await Self.voidBefore(of: token, connection, logger))
                }
                return try await Self.liveRecord(userId, key, now, connection, logger)
            }
        }
    }

    /// See ``OrderRecordStore/orders(of:status:after:limit:)``: one range scan of the `(user_id, created_at, id)`
    /// index.
    public func orders(of userId: UserID, status: OrderStatus?, after cursor: OrderCursor?, limit: Int) async throws
        -> [Order]
    {
        try await page(userId: userId, status: status, after: cursor, limit: limit)
    }

    /// See ``OrderRecordStore/liveOrders(of:status:after:limit:token:)``: the token's mark, the tombstone and the
    /// page in one statement.
    public func liveOrders(
        of userId: UserID, status: OrderStatus?, after cursor: OrderCursor?, limit: Int, token: CallerToken?
    ) async throws -> [Order]? {
        let statement = PostgresUserPageStatement(
            tokenUser: token?.userId.uuid, userId: userId.uuid, status: status?.rawValue, cursor: cursor, limit: limit)
        let page = try await pages.answer(statement)
        try token?.check(voidBefore: page.voidBefore.map(Date.init(millisecondsSince1970:)))
        return page.tombstoned ? nil : Self.newestFirst(page.orders)
    }

    /// A user's page as read, before its token is checked.
    struct MarkedPage: Sendable {
        var orders: [Order] = []
        var voidBefore: Int64?
        var tombstoned = false
    }

    /// Reads a batch of pages: one alone with ``PostgresUserPageStatement``, several in one
    /// ``PostgresUserPagesStatement``.
    static func pages(_ pages: [PostgresUserPageStatement], database: PostgresDatabase, logger: Logger)
        async throws -> [MarkedPage]
    {
        try await translatingPostgresErrors {
            var answers = Array(repeating: MarkedPage(), count: pages.count)
            func add(_ order: Order?, voidBefore: Int64?, tombstoned: Bool, toPage number: Int) throws {
                guard answers.indices.contains(number - 1) else {
                    throw CommerceError.internalFailure("A batch of pages answered page \(number).")
                }
                answers[number - 1].voidBefore = voidBefore
                answers[number - 1].tombstoned = tombstoned
                if let order { answers[number - 1].orders.append(order) }
            }
            if pages.count == 1 {
                for row in try await database.execute(pages[0], logger: logger) {
                    let (order, voidBefore, tombstoned) = try PostgresOrderRow.markedOrder(row)
                    try add(order, voidBefore: voidBefore, tombstoned: tombstoned, toPage: 1)
                }
            } else {
                let batch = PostgresUserPagesStatement(pages: pages)
                for row in try await database.execute(batch, logger: logger) {
                    let (order, voidBefore, tombstoned, number) = try PostgresOrderRow.numberedMarkedOrder(row)
                    try add(order, voidBefore: voidBefore, tombstoned: tombstoned, toPage: number)
                }
            }
            return answers
        }
    }

    /// See ``OrderRecordStore/allOrders(status:after:limit:token:)``: the token's mark and one range scan of
    /// `orders_recent`, or of `orders_status` for one status, in one statement.
    public func allOrders(status: OrderStatus?, after cursor: OrderCursor?, limit: Int, token: CallerToken?)
        async throws -> [Order]
    {
        try await checkedPage(status: status, after: cursor, limit: limit, token: token)
    }

    /// See ``OrderRecordStore/order(_:of:token:)``: the token's mark and one primary-key lookup, in one statement.
    public func order(_ id: OrderID, of userId: UserID, token: CallerToken?) async throws -> Order? {
        let statement = PostgresOrderByIDStatement(tokenUser: token?.userId.uuid, orderId: id.uuid, userId: userId.uuid)
        return try await translatingPostgresErrors {
            try Self.marked(try await database.execute(statement, logger: logger), token: token).orders.first
        }
    }

    /// Records the tombstone of a deleted user — their id alone: no time, which anonymised orders'
    /// `updated_at` would join back to the person — and marks every token of theirs void
    /// (``CallerToken/deletedUserMark``, the same for everyone), in the purge's transaction.
    private static func tombstone(_ userId: UserID, _ connection: PostgresConnection, _ logger: Logger)
        async throws
    {
        try await connection.query(
            "INSERT INTO tombstones (user_id) VALUES (\(userId.uuid)) ON CONFLICT (user_id) DO NOTHING",
            logger: logger)
        try await connection.query(
            """
            INSERT INTO token_revocations (user_id, void_before)
            VALUES (\(userId.uuid), \(CallerToken.deletedUserMark.millisecondsSince1970))
            ON CONFLICT (user_id) DO UPDATE SET void_before = EXCLUDED.void_before
            """, logger: logger)
    }

    /// See ``RevocationMarkStore/revokeTokens(of:issuedBefore:)``: one upsert keeping the later mark.
    public func revokeTokens(of userId: UserID, issuedBefore date: Date) async throws -> Date {
        try await translatingPostgresErrors {
            let rows = try await database.query(
                """
                INSERT INTO token_revocations (user_id, void_before)
                VALUES (\(userId.uuid), \(date.millisecondsSince1970))
                ON CONFLICT (user_id) DO UPDATE
                SET void_before = GREATEST(token_revocations.void_before, EXCLUDED.void_before)
                RETURNING void_before
                """, logger: logger)
            for mark in try rows.decode(Int64.self) { return Date(millisecondsSince1970: mark) }
            throw CommerceError.internalFailure("A revocation mark was not stored.")
        }
    }

    /// See ``ProductCatalog/putProduct(_:)``: one upsert; `xmax = 0` tells an inserted row from an updated one.
    public func putProduct(_ product: Product) async throws -> Bool {
        try await translatingPostgresErrors {
            let rows = try await database.query(
                """
                INSERT INTO products (id, name, price_minor_units, currency, active, updated_at, stock)
                VALUES (\(product.id), \(product.name), \(product.price.minorUnits), \(product.currency.value),
                        \(product.active), \(product.updatedAt.millisecondsSince1970), \(product.stock.map(Int64.init)))
                ON CONFLICT (id) DO UPDATE
                SET name = EXCLUDED.name, price_minor_units = EXCLUDED.price_minor_units,
                    currency = EXCLUDED.currency, active = EXCLUDED.active, updated_at = EXCLUDED.updated_at,
                    stock = EXCLUDED.stock
                RETURNING (xmax = 0)
                """, logger: logger)
            for inserted in try rows.decode(Bool.self) { return inserted }
            throw CommerceError.internalFailure("A product was not stored.")
        }
    }

    /// See ``ProductCatalog/product(_:)``.
    public func product(_ id: String) async throws -> Product? {
        try await translatingPostgresErrors {
            try Self.decodeProducts(
                try await database.query(
                    "SELECT \(unescaped: Self.productColumns) FROM products WHERE id = \(id)", logger: logger)
            ).first
        }
    }

    /// See ``ProductCatalog/adjustStock(of:by:at:)``: the row locked, judged by Core's rule and written in
    /// one transaction, so racing adjustments each apply, one after another.
    public func adjustStock(of id: String, by change: Int, at date: Date) async throws -> Product? {
        try await translatingPostgresErrors {
            try await database.withTransaction(logger: logger) { connection -> Product? in
                guard
                    let product = try Self.decodeProducts(
                        try await connection.query(
                            "SELECT \(unescaped: Self.productColumns) FROM products WHERE id = \(id) FOR UPDATE",
                            logger: logger
                        ).collect()
                    ).first
                else { return nil }
                let changed = try product.adjustingStock(by: change, at: date)
                try await connection.query(
                    """
                    UPDATE products SET stock = \(changed.stock.map(Int64.init)),
                                        updated_at = \(changed.updatedAt.millisecondsSince1970)
                    WHERE id = \(id)
                    """, logger: logger)
                return changed
            }
        }
    }

    /// See ``ProductCatalog/products(active:inStock:after:limit:)``: a range of the primary key, or of
    /// `products_active` for one activity, the stock filtered as it goes.
    public func products(active: Bool?, inStock: Bool?, after: String?, limit: Int) async throws -> [Product] {
        var binds = PostgresBindings()
        var conditions: [String] = []
        if let active {
            binds.append(active)
            conditions.append("active = $\(binds.count)")
        }
        if let inStock { conditions.append(inStock ? "(stock IS NULL OR stock > 0)" : "stock = 0") }
        if let after {
            binds.append(after)
            conditions.append("id > $\(binds.count)")
        }
        binds.append(max(0, limit))
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let sql = "SELECT \(Self.productColumns) FROM products \(filter) ORDER BY id LIMIT $\(binds.count)"
        return try await translatingPostgresErrors {
            try Self.decodeProducts(
                try await database.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger))
        }
    }

    private static let productColumns = "id, name, price_minor_units, currency, active, updated_at, stock"

    private static func decodeProducts(_ rows: [PostgresRow]) throws -> [Product] {
        var products: [Product] = []
        for (id, name, price, currency, active, updatedAt, stock) in try rows.decode(
            (String, String, Int64, String, Bool, Int64, Int64?).self)
        {
            products.append(
                Product(
                    id: id, name: name, price: Money(minorUnits: price), currency: CurrencyCode(trusted: currency),
                    active: active, updatedAt: Date(millisecondsSince1970: updatedAt), stock: stock.map(Int.init)))
        }
        return products
    }

    /// See ``RevocationMarkStore/tokensVoidBefore(of:)``.
    public func tokensVoidBefore(of userId: UserID) async throws -> Date? {
        try await translatingPostgresErrors {
            let rows = try await database.query(
                "SELECT void_before FROM token_revocations WHERE user_id = \(userId.uuid)", logger: logger)
            for mark in try rows.decode(Int64.self) { return Date(millisecondsSince1970: mark) }
            return nil
        }
    }

    /// See ``OrderRecordStore/transition(_:to:)``: one `UPDATE` whose `WHERE` is the compare (status and version).
    /// Under PostgreSQL's row lock a racing update re-checks that `WHERE` against the row the winner wrote,
    /// so across every connection and replica exactly one of them moves the order.
    public func transition(_ order: Order, to entry: OrderHistoryEntry) async throws -> Order? {
        let moved = order.moved(to: entry)
        let history = StoredOrderHistory.encode(moved.history)
        if !OrderLifecycle.holdingStock.contains(moved.status) {
            return try await transitionPuttingBackStock(order, moved: moved, history: history)
        }
        let event = OrderEvent.step(of: moved, traceContext: TraceContextText.current())
        return try await translatingPostgresErrors {
            // The move and its event in one statement: the event is recorded only for the row that moved.
            let updated = try await database.query(
                """
                WITH moved AS (
                    UPDATE orders SET status = \(moved.status.rawValue), history = \(history),
                                      version = \(moved.version), updated_at = \(moved.updatedAt.millisecondsSince1970)
                    WHERE id = \(order.id.uuid) AND user_id = \(order.userId.uuid)
                      AND status = \(order.status.rawValue) AND version = \(order.version)
                    RETURNING 1)
                SELECT commerce_record_order_event(\(event.type.rawValue), \(order.id.uuid), \(order.userId.uuid),
                    \(event.occurredAt.millisecondsSince1970), \(StoredOrderEvent.encode(event.data)),
                    \(event.traceContext))::text
                FROM moved
                """, logger: logger
            ).count
            return updated == 1 ? moved : nil
        }
    }

    /// A transition out of the statuses that hold stock (a cancel), in one transaction: the products the
    /// order took locked first (the lock order in ``PostgresPlaceOrder``), then the compare-and-set, which
    /// clears the order's record of its stock, then the stock put back. What the order took never changes
    /// but to `NULL`, and only with a move of the order that this compare would see, so reading it before
    /// the compare is reading what the compare moves.
    private func transitionPuttingBackStock(_ order: Order, moved: Order, history: String) async throws -> Order? {
        try await translatingPostgresErrors {
            try await database.withTransaction(logger: logger) { connection -> Order? in
                var taken: String?
                for try await text in try await connection.query(
                    "SELECT stock_taken FROM orders WHERE id = \(order.id.uuid) AND version = \(order.version)",
                    logger: logger
                ).decode(String?.self) {
                    taken = text
                }
                if let taken {
                    try await connection.query(
                        """
                        SELECT 1 FROM products
                        WHERE id = ANY (ARRAY(SELECT key FROM jsonb_each_text(\(taken)::jsonb))) AND stock IS NOT NULL
                        ORDER BY id FOR UPDATE
                        """, logger: logger)
                }
                let updated = try await connection.query(
                    """
                    UPDATE orders SET status = \(moved.status.rawValue), history = \(history),
                                      version = \(moved.version), updated_at = \(moved.updatedAt.millisecondsSince1970),
                                      stock_taken = NULL
                    WHERE id = \(order.id.uuid) AND user_id = \(order.userId.uuid)
                      AND status = \(order.status.rawValue) AND version = \(order.version)
                    RETURNING 1
                    """, logger: logger
                ).collect().count
                guard updated == 1 else { return nil }
                try await PostgresWebhooks.record(
                    .step(of: moved, traceContext: TraceContextText.current()), connection, logger)
                if let taken { try await Self.putBack(taken, connection, logger) }
                return moved
            }
        }
    }

    /// Locks, before the user's own lock (the lock order in ``PostgresPlaceOrder``), the tracked products
    /// the user's orders took stock of.
    static func lockStock(of userId: UserID, _ connection: PostgresConnection, _ logger: Logger)
        async throws
    {
        try await connection.query(
            """
            SELECT 1 FROM products
            WHERE id = ANY (ARRAY(
                SELECT t.key FROM orders o, jsonb_each_text(o.stock_taken::jsonb) AS t(key, value)
                WHERE o.user_id = \(userId.uuid) AND o.stock_taken IS NOT NULL))
              AND stock IS NOT NULL
            ORDER BY id FOR UPDATE
            """, logger: logger)
    }

    /// Puts back what one order took (its `stock_taken`, `{"productId": quantity}`), each product by its key
    /// (see ``putBackStock(of:_:_:)`` for why not by a join).
    static func putBack(_ taken: String, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await connection.query(
            """
            UPDATE products p SET stock = p.stock + (\(taken)::jsonb ->> p.id)::bigint
            WHERE p.id = ANY (ARRAY(SELECT key FROM jsonb_each_text(\(taken)::jsonb))) AND p.stock IS NOT NULL
            """, logger: logger)
    }

    /// Puts back the stock the user's orders not yet shipped took (``OrderLifecycle/returningStockOnDeletion``),
    /// under the user's lock. A product no longer tracked stays untracked.
    static func putBackStock(of userId: UserID, _ connection: PostgresConnection, _ logger: Logger)
        async throws
    {
        let statuses = OrderLifecycle.returningStockOnDeletion.map(\.rawValue).sorted()
        // The products by key (`id = ANY (ARRAY(…))`), not joined: the planner guesses 100 rows for a
        // set-returning function, and a join with that guess read the whole catalog for every purge
        // (`PostgresQueryPlanTests.aPurgeOrACancelPutsBackStockByKey`).
        try await connection.query(
            """
            WITH taken AS (
                SELECT t.key AS id, sum(t.value::bigint) AS quantity
                FROM orders o, jsonb_each_text(o.stock_taken::jsonb) AS t(key, value)
                WHERE o.user_id = \(userId.uuid) AND o.status = ANY(\(statuses)) AND o.stock_taken IS NOT NULL
                GROUP BY t.key)
            UPDATE products p SET stock = p.stock + (SELECT quantity FROM taken WHERE taken.id = p.id)
            WHERE p.id = ANY (ARRAY(SELECT id FROM taken)) AND p.stock IS NOT NULL
            """, logger: logger)
    }

    /// A newest-first page: of one user's orders or of everyone's, of one status or all, after a cursor or
    /// from the top.
    private func page(userId: UserID?, status: OrderStatus?, after cursor: OrderCursor?, limit: Int) async throws
        -> [Order]
    {
        let (sql, binds) = Self.pageQuery(userId: userId, status: status, after: cursor, limit: limit)
        return try await translatingPostgresErrors {
            try PostgresOrderRow.orders(
                try await database.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger))
        }
    }

    /// Every order's page (staff) with the token's mark, read in the same statement: the page joined to one
    /// row holding the mark, so the mark comes back even when there are no orders. Not on the hot path, so
    /// sent as text, in the shape its filters need.
    private func checkedPage(status: OrderStatus?, after cursor: OrderCursor?, limit: Int, token: CallerToken?)
        async throws -> [Order]
    {
        var (inner, binds) = Self.pageQuery(userId: nil, status: status, after: cursor, limit: limit)
        var mark = "NULL::bigint"
        if let token {
            binds.append(token.userId.uuid)
            mark = "(SELECT void_before FROM token_revocations WHERE user_id = $\(binds.count))"
        }
        let sql = """
            SELECT o.*, m.void_before, false AS tombstoned
            FROM (SELECT \(mark) AS void_before) m LEFT JOIN LATERAL (\(inner)) o ON true
            """
        return try await translatingPostgresErrors {
            let rows = try await database.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
            return Self.newestFirst(try Self.marked(rows, token: token).orders)
        }
    }

    /// Reads rows of ``PostgresOrderRow/columns`` followed by `void_before` and `tombstoned` (an order's
    /// columns NULL in a row without one): the orders, and whether the user is tombstoned. Throws
    /// ``CommerceError/tokenRevoked`` when the mark voids `token`.
    private static func marked(_ rows: [PostgresRow], token: CallerToken?) throws
        -> (orders: [Order], tombstoned: Bool)
    {
        var orders: [Order] = []
        var standing: (voidBefore: Int64?, tombstoned: Bool)?
        for row in rows {
            let (order, voidBefore, tombstoned) = try PostgresOrderRow.markedOrder(row)
            standing = (voidBefore, tombstoned)
            if let order { orders.append(order) }
        }
        try token?.check(voidBefore: standing?.voidBefore.map(Date.init(millisecondsSince1970:)))
        return (orders, standing?.tombstoned ?? false)
    }

    /// A page's orders newest first: the outer join of one row with the page keeps the page's order in
    /// practice, but SQL promises no order without an outer `ORDER BY` (which would add a sort to the plan).
    private static func newestFirst(_ orders: [Order]) -> [Order] {
        orders.sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
    }

    /// The select of a newest-first page, and its bindings.
    private static func pageQuery(userId: UserID?, status: OrderStatus?, after cursor: OrderCursor?, limit: Int)
        -> (String, PostgresBindings)
    {
        var binds = PostgresBindings()
        var conditions: [String] = []
        if let userId {
            binds.append(userId.uuid)
            conditions.append("user_id = $\(binds.count)")
        }
        if let status {
            binds.append(status.rawValue)
            conditions.append("status = $\(binds.count)")
        }
        if let cursor {
            binds.append(cursor.createdAt.millisecondsSince1970)
            binds.append(cursor.id.uuid)
            conditions.append("(created_at, id) < ($\(binds.count - 1), $\(binds.count))")
        }
        binds.append(max(0, limit))
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let sql = """
            SELECT \(PostgresOrderRow.columns) FROM orders \(filter)
            ORDER BY created_at DESC, id DESC LIMIT $\(binds.count)
            """
        return (sql, binds)
    }

    /// See ``OrderRecordStore/purge(_:at:)``: under the user's lock, the deletes and the tombstone in one transaction.
    public func purge(_ userId: UserID, at date: Date) async throws -> Int {
        try await translatingPostgresErrors {
            try await database.withTransaction(logger: logger) { connection -> Int in
                try await Self.lockStock(of: userId, connection, logger)
                try await Self.lock(userId, connection, logger)
                try await Self.putBackStock(of: userId, connection, logger)
                let deleted = try await connection.query(
                    "DELETE FROM orders WHERE user_id = \(userId.uuid) RETURNING id", logger: logger
                ).collect().count
                try await connection.query(
                    "DELETE FROM idempotency_records WHERE user_id = \(userId.uuid)", logger: logger)
                try await Self.recordPurge(of: userId, deleted: deleted, anonymised: 0, at: date, connection, logger)
                try await Self.tombstone(userId, connection, logger)
                return deleted
            }
        }
    }

    /// See ``OrderRecordStore/anonymise(_:as:at:)``: under the user's lock, the orders rewritten, the records
    /// deleted and the tombstone recorded in one transaction.
    public func anonymise(_ userId: UserID, as anonymous: UserID, at date: Date) async throws -> Int {
        try await translatingPostgresErrors {
            try await database.withTransaction(logger: logger) { connection -> Int in
                try await Self.lockStock(of: userId, connection, logger)
                try await Self.lock(userId, connection, logger)
                try await Self.putBackStock(of: userId, connection, logger)
                let orders = try PostgresOrderRow.orders(
                    try await connection.query(
                        """
                        SELECT \(unescaped: PostgresOrderRow.columns) FROM orders WHERE user_id = \(userId.uuid)
                        FOR UPDATE
                        """, logger: logger
                    ).collect())
                for order in orders {
                    let kept = order.anonymised(as: anonymous, at: date)
                    let items = StoredOrderItems.encode(kept.items)
                    let history = StoredOrderHistory.encode(kept.history)
                    try await connection.query(
                        """
                        UPDATE orders SET user_id = \(anonymous.uuid), items = \(items),
                                          delivery_address = \(kept.deliveryAddress), history = \(history),
                                          version = \(kept.version), updated_at = \(kept.updatedAt.millisecondsSince1970),
                                          stock_taken = NULL
                        WHERE id = \(kept.id.uuid)
                        """, logger: logger)
                }
                try await connection.query(
                    "DELETE FROM idempotency_records WHERE user_id = \(userId.uuid)", logger: logger)
                try await Self.recordPurge(
                    of: userId, deleted: 0, anonymised: orders.count, at: date, connection, logger)
                try await Self.tombstone(userId, connection, logger)
                return orders.count
            }
        }
    }

    /// See ``IdempotencyStore/sweepExpiredIdempotencyRecords(now:limit:)``: one bounded delete, found through the
    /// expiry index. It takes no user's lock: an expired record answers no insert, so deleting it races with
    /// nothing.
    public func sweepExpiredIdempotencyRecords(now: Date, limit: Int) async throws -> Int {
        try await translatingPostgresErrors {
            try await database.query(
                """
                DELETE FROM idempotency_records WHERE (user_id, key) IN (
                    SELECT user_id, key FROM idempotency_records
                    WHERE expires_at <= \(now.millisecondsSince1970) LIMIT \(max(0, limit)))
                RETURNING 1
                """, logger: logger
            ).count
        }
    }

    /// See ``RevocationMarkStore/isTombstoned(_:)``.
    public func isTombstoned(_ userId: UserID) async throws -> Bool {
        try await translatingPostgresErrors {
            try await database.withConnection { connection in try await Self.isTombstoned(userId, connection, logger) }
        }
    }

    /// The `orders.purged` event of a user's first deletion (before its tombstone is recorded), under the
    /// user's lock; what was not yet delivered of their orders is forgotten.
    private static func recordPurge(
        of userId: UserID, deleted: Int, anonymised: Int, at date: Date, _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws {
        guard try await !isTombstoned(userId, connection, logger) else { return }
        try await PostgresWebhooks.forgetOrders(of: userId, at: date, connection, logger)
        try await PostgresWebhooks.record(
            OrderEvent(
                type: .purged, occurredAt: date,
                data: .purged(userId: userId, deleted: deleted, anonymised: anonymised),
                traceContext: TraceContextText.current()),
            connection, logger)
    }

    /// Serialises the writes of one user's orders across every connection and replica until the transaction
    /// ends.
    private static func lock(_ userId: UserID, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await connection.query(
            "SELECT pg_advisory_xact_lock(hashtextextended(\(userId.description), 0))", logger: logger)
    }

    private static func isTombstoned(_ userId: UserID, _ connection: PostgresConnection, _ logger: Logger) async throws
        -> Bool
    {
        let rows = try await connection.query(
            "SELECT EXISTS (SELECT 1 FROM tombstones WHERE user_id = \(userId.uuid))", logger: logger)
        for try await exists in rows.decode(Bool.self) { return exists }
        return false
    }

    /// The mark of the token's user, read on `connection`.
    private static func voidBefore(of token: CallerToken, _ connection: PostgresConnection, _ logger: Logger)
        async throws -> Date?
    {
        let rows = try await connection.query(
            "SELECT void_before FROM token_revocations WHERE user_id = \(token.userId.uuid)", logger: logger)
        for try await mark in rows.decode(Int64.self) { return Date(millisecondsSince1970: mark) }
        return nil
    }

    private static func liveRecord(
        _ userId: UserID, _ key: IdempotencyKey, _ now: Date, _ connection: PostgresConnection, _ logger: Logger
    ) async throws -> (order: Order, fingerprint: String)? {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: PostgresOrderRow.columns(of: "o")), r.fingerprint FROM idempotency_records r
            JOIN orders o ON o.id = r.order_id
            WHERE r.user_id = \(userId.uuid) AND r.key = \(key.value) AND r.expires_at > \(now.millisecondsSince1970)
            """, logger: logger)
        for try await row in rows {
            let order = try PostgresOrderRow.order(row)
            return (order, try row.makeRandomAccess()[PostgresOrderRow.columnCount].decode(String.self))
        }
        return nil
    }
}
