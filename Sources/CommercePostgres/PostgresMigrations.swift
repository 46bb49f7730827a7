import CommerceCore
import Logging
import PostgresNIO

/// Versioned schema migrations for one service's database, applied at start.
///
/// All of them run in one transaction that first takes a transaction-level advisory lock, so when several
/// replicas start at once exactly one applies what is missing and the others, once it commits, find nothing
/// left to do. Applied versions are recorded in `schema_migrations`. Never edit a shipped migration: add one.
struct PostgresMigrations: Sendable {
    struct Migration: Sendable {
        let version: String
        let statements: [String]
    }

    /// The advisory lock every commerce migration takes, the User and the Order service's alike: they share
    /// `schema_migrations` when they share a database (`commerce-server all`), and two transactions creating
    /// it at once would collide.
    static let lockKey: Int64 = 0x636f_6d6d_6572_6365  // "commerce"

    let migrations: [Migration]

    /// Applies the migrations not yet applied; returns their versions.
    @discardableResult
    func apply(on database: PostgresDatabase, logger: Logger) async throws -> [String] {
        try await translatingPostgresErrors {
            try await database.withTransaction(logger: logger) { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(\(Self.lockKey))", logger: logger)
                try await connection.query(
                    """
                    CREATE TABLE IF NOT EXISTS schema_migrations (
                        version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())
                    """, logger: logger)
                var applied: Set<String> = []
                for try await version in try await connection.query(
                    "SELECT version FROM schema_migrations", logger: logger
                ).decode(String.self) {
                    applied.insert(version)
                }
                var done: [String] = []
                for migration in migrations where !applied.contains(migration.version) {
                    for statement in migration.statements {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await connection.query(
                        "INSERT INTO schema_migrations (version) VALUES (\(migration.version))", logger: logger)
                    done.append(migration.version)
                }
                if !done.isEmpty { logger.info("database migrated", metadata: ["versions": "\(done)"]) }
                return done
            }
        }
    }
}
