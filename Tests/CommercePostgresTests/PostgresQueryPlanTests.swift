import CommerceCore
import CommercePostgres
import Foundation
import PostgresNIO
import Testing

@Suite(
    "PostgreSQL order lists are served from indexes",
    .enabled(if: PostgresTestDatabase.url != nil, PostgresTestDatabase.skipReason))
struct PostgresQueryPlanTests {
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
                // The tables are empty, where scanning everything and sorting is cheapest: make those the last
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
}
