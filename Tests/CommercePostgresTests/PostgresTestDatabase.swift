import CommercePostgres
import Foundation
import Logging
import PostgresNIO
import Testing

/// The PostgreSQL server the tests use: `COMMERCE_POSTGRES_URL` (`scripts/test-postgres start` prints it).
/// Without it the PostgreSQL tests are skipped, with that reason; CI sets `COMMERCE_REQUIRE_POSTGRES=1`,
/// which turns a missing URL into a failure, so they never skip there.
enum PostgresTestDatabase {
    static let url = ProcessInfo.processInfo.environment["COMMERCE_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    static let required = ProcessInfo.processInfo.environment["COMMERCE_REQUIRE_POSTGRES"] == "1"
    static let skipReason: Comment =
        "COMMERCE_POSTGRES_URL is not set: run `eval \"$(scripts/test-postgres start)\"` first"
    static let quiet = Logger(label: "postgres-tests", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Runs `body` with a running client whose connections see only a fresh schema of their own (dropped
    /// afterwards), so tests running side by side never see each other's rows.
    static func withIsolatedClient<Result: Sendable>(
        _ body: @Sendable (PostgresClient) async throws -> Result
    ) async throws -> Result {
        let schema = "test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        var configuration = try PostgresConnectionURL(try #require(url)).configuration
        configuration.options.additionalStartupParameters = [("search_path", schema)]
        configuration.options.maximumConnections = 8
        let client = PostgresClient(configuration: configuration, backgroundLogger: quiet)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            try await client.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA \(schema)"))
            do {
                let result = try await body(client)
                try await client.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(schema) CASCADE"))
                return result
            } catch {
                _ = try? await client.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(schema) CASCADE"))
                throw error
            }
        }
    }
}

@Suite("PostgreSQL is there when CI requires it")
struct PostgresRequirementTests {
    @Test func ciNeverSkipsThePostgresTests() {
        if PostgresTestDatabase.required {
            #expect(PostgresTestDatabase.url != nil, "COMMERCE_REQUIRE_POSTGRES=1 but COMMERCE_POSTGRES_URL is not set")
        }
    }
}
