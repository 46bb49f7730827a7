import CommerceCore
import Foundation
import PostgresNIO
import Testing

@testable import CommercePostgres

@Suite(
    "PostgreSQL order lists are served from indexes",
    .enabled(if: PostgresTestDatabase.url != nil, PostgresTestDatabase.skipReason))
struct PostgresQueryPlanTests {
    /// 5,000 orders of 200 users in every status, analysed: on empty tables without statistics every index
    /// scan costs the same, and which one the planner takes is a tie broken by the row width it guesses
    /// (adding a column once turned the lookup by id from `orders_pkey` to `orders_page`).
    static func fill(_ connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO orders (id, user_id, items, delivery_address, status, currency, total_minor_units,
                                created_at, updated_at)
            SELECT gen_random_uuid(), ('00000000-0000-0000-0000-' || lpad((g % 200)::text, 12, '0'))::uuid, '[]',
                   'a', (ARRAY['pending', 'confirmed', 'shipped', 'delivered', 'cancelled'])[1 + g % 5], 'USD', 100,
                   g, g
            FROM generate_series(1, 5000) AS g
            """, logger: PostgresTestDatabase.quiet)
        try await connection.query("ANALYZE orders", logger: PostgresTestDatabase.quiet)
    }

    /// 5,000 products, every other one with its stock tracked (1,000 each): `p1` … `p5000`.
    static func fillCatalog(_ connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO products (id, name, price_minor_units, currency, active, updated_at, stock)
            SELECT 'p' || g, 'Product ' || g, 100 + g, 'USD', true, 0, CASE WHEN g % 2 = 0 THEN 1000 END
            FROM generate_series(1, 5000) AS g
            """, logger: PostgresTestDatabase.quiet)
    }

    /// What this connection's transaction has read of `products`, by sequential and by index scans (earlier
    /// statements' reads included: compare before and after).
    static func productScans(_ connection: PostgresConnection) async throws -> (sequential: Int64, byIndex: Int64) {
        var scans: (Int64, Int64) = (0, 0)
        for try await row in try await connection.query(
            """
            SELECT seq_scan, idx_scan FROM pg_stat_xact_user_tables
            WHERE relname = 'products' AND schemaname = current_schema()
            """, logger: PostgresTestDatabase.quiet
        ).decode((Int64, Int64).self) {
            scans = row
        }
        return scans
    }

    @Test func theListsScanAnIndexInOrderAndSortNothing() async throws {
        try await PostgresTestDatabase.withIsolatedClient { client in
            try await PostgresOrderStore(client: client).migrate()
            let uuid = "'00000000-0000-0000-0000-000000000001'"
            // Each list, and the index that must serve it in its order.
            let lists: KeyValuePairs<String, String> = [
                "SELECT * FROM orders ORDER BY created_at DESC, id DESC LIMIT 20": "orders_recent",
                "SELECT * FROM orders WHERE (created_at, id) < (1, \(uuid)) ORDER BY created_at DESC, id DESC LIMIT 20":
                    "orders_recent",
                "SELECT * FROM orders WHERE status = 'shipped' ORDER BY created_at DESC, id DESC LIMIT 20":
                    "orders_status",
                "SELECT * FROM orders WHERE user_id = \(uuid) ORDER BY created_at DESC, id DESC LIMIT 20":
                    "orders_page",
                "SELECT * FROM orders WHERE id = \(uuid) AND user_id = \(uuid)": "orders_pkey",
            ]
            try await client.withConnection { connection in
                try await Self.fill(connection)
                // The tables are small, where scanning everything and sorting is cheapest: make those the last
                // resort, to see whether the planner has an index that yields each list in its order.
                for setting in ["enable_seqscan", "enable_bitmapscan", "enable_sort"] {
                    try await connection.query(
                        PostgresQuery(unsafeSQL: "SET \(setting) = off"), logger: PostgresTestDatabase.quiet)
                }
                for (sql, index) in lists {
                    var plan: [String] = []
                    let rows = try await connection.query(
                        PostgresQuery(unsafeSQL: "EXPLAIN " + sql), logger: PostgresTestDatabase.quiet)
                    for try await line in rows.decode(String.self) { plan.append(line) }
                    let text = plan.joined(separator: " | ")
                    #expect(text.contains("Index Scan using \(index)"), "\(sql): \(text)")
                    #expect(!text.contains("Sort"), "\(sql) sorts: \(text)")
                }
            }
        }
    }

    /// The prepared statements' generic plans (what a connection runs after its first executions): a
    /// user's page walks `orders_page` from the cursor, so a deep page costs what the first does, whatever
    /// the filter; an order by id is one primary-key lookup; a batch of pages does each page's lookups by key.
    @Test func theHotStatementsGenericPlansReadByIndexFromTheCursor() async throws {
        try await PostgresTestDatabase.withIsolatedClient { client in
            try await PostgresOrderStore(client: client).migrate()
            let user = "'00000000-0000-0000-0000-000000000001'"
            let statements: [(name: String, types: String, sql: String, values: String, index: String)] = [
                (
                    "page", "uuid, uuid, text, bigint, uuid, bigint", PostgresUserPageStatement.sql,
                    "NULL, \(user), 'shipped', 1, \(user), 11", "orders_page"
                ),
                ("one", "uuid, uuid, uuid", PostgresOrderByIDStatement.sql, "\(user), \(user), \(user)", "orders_pkey"),
                (
                    "pages", "uuid[], uuid[], text[], bigint[], uuid[], bigint[]", PostgresUserPagesStatement.sql,
                    "ARRAY[\(user), \(user)]::uuid[], ARRAY[\(user), \(user)]::uuid[], ARRAY['', 'shipped'], "
                        + "ARRAY[1, 2]::bigint[], ARRAY[\(user), \(user)]::uuid[], ARRAY[10, 10]::bigint[]",
                    "orders_page"
                ),
            ]
            try await client.withConnection { connection in
                try await Self.fill(connection)
                for setting in [
                    "enable_seqscan = off", "enable_bitmapscan = off", "plan_cache_mode = force_generic_plan",
                ] {
                    try await connection.query(
                        PostgresQuery(unsafeSQL: "SET \(setting)"), logger: PostgresTestDatabase.quiet)
                }
                for statement in statements {
                    try await connection.query(
                        PostgresQuery(unsafeSQL: "PREPARE \(statement.name) (\(statement.types)) AS \(statement.sql)"),
                        logger: PostgresTestDatabase.quiet)
                    var plan: [String] = []
                    let rows = try await connection.query(
                        PostgresQuery(unsafeSQL: "EXPLAIN EXECUTE \(statement.name) (\(statement.values))"),
                        logger: PostgresTestDatabase.quiet)
                    for try await line in rows.decode(String.self) { plan.append(line) }
                    let text = plan.joined(separator: " | ")
                    #expect(
                        text.contains("Index Scan using \(statement.index) on orders"), "\(statement.name): \(text)")
                    #expect(!text.contains("Sort"), "\(statement.name) sorts: \(text)")
                    if statement.name == "page" {
                        #expect(
                            text.contains("Index Cond: ((user_id = $2) AND (ROW(created_at, id) < ROW($4, $5)))"),
                            "\(text)")
                    }
                    if statement.name == "pages" {
                        // Each page's own lookups, by key: nothing read whole for the batch.
                        #expect(
                            text.contains(
                                "Index Cond: ((user_id = r.user_id) AND (ROW(created_at, id) < ROW(r.before_at, r.before_id)))"
                            ),
                            "\(text)")
                        #expect(text.contains("Index Cond: (user_id = r.token_user)"), "\(text)")
                        #expect(
                            text.contains("tombstones_pkey on tombstones")
                                && text.contains("Index Cond: (user_id = r.user_id)"), "\(text)")
                        #expect(!text.contains("Hash"), "\(text)")
                    }
                }
            }
        }
    }

    /// A placement priced from a catalog of 5,000 products (analysed), alone and as a batch: both read and lock
    /// the products its lines name by key, so its cost does not grow with the catalog. Joining the lines'
    /// `jsonb` with `products` made the planner scan the whole table on every placement: it guesses 100 rows
    /// for a set-returning function.
    @Test func aPlacementReadsTheProductsItsLinesNameByKey() async throws {
        try await PostgresTestDatabase.withIsolatedClient { client in
            try await PostgresOrderStore(client: client).migrate()
            try await client.withConnection { connection in
                let quiet = PostgresTestDatabase.quiet
                try await Self.fillCatalog(connection)
                try await connection.query("ANALYZE products", logger: quiet)
                let pricing = CatalogPricing(
                    lines: [
                        CatalogPricing.Line(productId: "p7", quantity: 1, requestedPrice: nil),
                        CatalogPricing.Line(productId: "p8", quantity: 2, requestedPrice: nil),
                    ], requestedCurrency: nil)
                let alone = try PostgresBatchTests.placement(PostgresBatchTests.order(of: UserID()), pricing: pricing)
                let batch = PostgresPlaceOrdersStatement(placements: [
                    try PostgresBatchTests.placement(PostgresBatchTests.order(of: UserID()), pricing: pricing),
                    try PostgresBatchTests.placement(PostgresBatchTests.order(of: UserID()), pricing: pricing),
                ])
                let placements: [(name: String, run: () async throws -> [String])] = [
                    (
                        "alone",
                        {
                            var outcomes: [String] = []
                            for try await row in try await connection.execute(alone, logger: quiet) {
                                outcomes.append(row.name)
                            }
                            return outcomes
                        }
                    ),
                    (
                        "a batch",
                        {
                            var outcomes: [String] = []
                            for try await row in try await connection.execute(batch, logger: quiet) {
                                outcomes.append(row.1.name)
                            }
                            return outcomes
                        }
                    ),
                ]
                for placement in placements {
                    try await connection.query("BEGIN", logger: quiet)
                    let before = try await Self.productScans(connection)
                    let outcomes = try await placement.run()
                    #expect(outcomes == (placement.name == "alone" ? ["created"] : ["created", "created"]))
                    let after = try await Self.productScans(connection)
                    #expect(after.sequential == before.sequential, "\(placement.name) read the whole catalog")
                    #expect(after.byIndex > before.byIndex, "\(placement.name) read no product by its key")
                    try await connection.query("ROLLBACK", logger: quiet)
                }
            }
        }
    }

    /// A purge or an anonymisation of a user whose orders took stock, and a cancel, in a catalog of 5,000
    /// products (analysed): the products are locked and their stock put back by key, so the cost of
    /// deleting a user or cancelling an order does not grow with the catalog.
    @Test func aPurgeOrACancelPutsBackStockByKey() async throws {
        try await PostgresTestDatabase.withIsolatedClient { client in
            try await PostgresOrderStore(client: client).migrate()
            try await client.withConnection { connection in
                let quiet = PostgresTestDatabase.quiet
                let user = UserID()
                try await Self.fillCatalog(connection)
                try await Self.fill(connection)
                try await connection.query(
                    """
                    INSERT INTO orders (id, user_id, items, delivery_address, status, currency, total_minor_units,
                                        created_at, updated_at, stock_taken)
                    VALUES (gen_random_uuid(), \(user.uuid), '[]', 'a', 'pending', 'USD', 100, 1, 1, '{"p8":2,"p10":1}'),
                           (gen_random_uuid(), \(user.uuid), '[]', 'a', 'confirmed', 'USD', 100, 2, 2, '{"p8":1}')
                    """, logger: quiet)
                try await connection.query("ANALYZE products", logger: quiet)
                try await connection.query("ANALYZE orders", logger: quiet)
                func stock() async throws -> [String: Int64] {
                    var stock: [String: Int64] = [:]
                    for try await (id, left) in try await connection.query(
                        "SELECT id, stock FROM products WHERE id IN ('p8', 'p10')", logger: quiet
                    ).decode((String, Int64).self) {
                        stock[id] = left
                    }
                    return stock
                }
                let puttingBack: [(name: String, run: () async throws -> Void, stock: [String: Int64])] = [
                    (
                        "a purge",
                        {
                            try await PostgresOrderStore.lockStock(of: user, connection, quiet)
                            try await PostgresOrderStore.putBackStock(of: user, connection, quiet)
                        },
                        ["p8": 1003, "p10": 1001]
                    ),
                    (
                        "a cancel",
                        { try await PostgresOrderStore.putBack(#"{"p8":2,"p10":1}"#, connection, quiet) },
                        ["p8": 1002, "p10": 1001]
                    ),
                ]
                for way in puttingBack {
                    try await connection.query("BEGIN", logger: quiet)
                    let before = try await Self.productScans(connection)
                    try await way.run()
                    let after = try await Self.productScans(connection)
                    let left = try await stock()
                    try await connection.query("ROLLBACK", logger: quiet)
                    #expect(left == way.stock, "\(way.name): what the orders took, put back")
                    #expect(after.sequential == before.sequential, "\(way.name) read the whole catalog")
                    #expect(after.byIndex > before.byIndex, "\(way.name) read no product by its key")
                }
            }
        }
    }
}
