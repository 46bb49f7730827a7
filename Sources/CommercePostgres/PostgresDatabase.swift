import Logging
import PostgresNIO

/// The PostgreSQL stores' one way to their database: a `PostgresClient` whose work fails when its
/// connection closes (``PostgresConnectionWatch``) instead of waiting forever.
///
/// Each call leases a connection for the whole of its work, and rows come back read, as arrays: a row
/// sequence read after the call would outlive the watch.
struct PostgresDatabase: Sendable {
    private let client: PostgresClient
    private let watch = PostgresConnectionWatch()

    init(_ client: PostgresClient) {
        self.client = client
    }

    /// `body`'s answer, on a connection leased for it.
    func withConnection<Answer: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Answer
    ) async throws -> Answer {
        try await client.withConnection { connection in
            try await watch.run(on: connection) { try await body(connection) }
        }
    }

    /// `body`'s answer, in a transaction committed when it returns and rolled back when it throws (a
    /// `PostgresTransactionError` then says which step failed).
    func withTransaction<Answer: Sendable>(
        logger: Logger, _ body: @escaping @Sendable (PostgresConnection) async throws -> Answer
    ) async throws -> Answer {
        try await withConnection { connection in
            try await connection.withTransaction(logger: logger) { try await body($0) }
        }
    }

    /// The rows `query` answers.
    @discardableResult
    func query(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRow] {
        try await withConnection { try await $0.query(query, logger: logger).collect() }
    }

    /// The rows `statement` answers, prepared on its connection the first time.
    func execute<Statement: PostgresPreparedStatement>(_ statement: Statement, logger: Logger) async throws
        -> [Statement.Row] where Statement.Row: Sendable
    {
        try await withConnection { connection in
            var rows: [Statement.Row] = []
            for try await row in try await connection.execute(statement, logger: logger) { rows.append(row) }
            return rows
        }
    }
}

extension Array where Element == PostgresRow {
    /// Each row's columns, decoded as `columns`.
    func decode<each Column: PostgresDecodable>(_ columns: (repeat each Column).Type) throws
        -> [(repeat each Column)]
    {
        try map { try $0.decode(columns) }
    }
}
