import CommerceCore
import Foundation
import PostgresNIO

/// The login throttle's failures, in the User service's database: every replica counts them together.
extension PostgresUserStore: LoginFailureStore {
    /// See ``LoginFailureStore/recordLoginFailure(keys:at:)``: one `INSERT` of every key's row.
    public func recordLoginFailure(keys: [String], at date: Date) async throws {
        try await translatingPostgresErrors {
            try await database.query(
                "INSERT INTO login_failures (key, at) SELECT unnest(\(keys)::text[]), \(date.millisecondsSince1970)",
                logger: logger
            )
        }
    }

    /// See ``LoginFailureStore/loginFailures(since:)``: one `SELECT`, grouped by key.
    public func loginFailures(since: [String: Date]) async throws -> [String: LoginFailureTally] {
        guard !since.isEmpty else { return [:] }
        var binds = PostgresBindings()
        var conditions: [String] = []
        for (key, date) in since {
            binds.append(key)
            binds.append(date.millisecondsSince1970)
            conditions.append("(key = $\(binds.count - 1) AND at > $\(binds.count))")
        }
        let sql = """
            SELECT key, count(*), min(at) FROM login_failures
            WHERE \(conditions.joined(separator: " OR ")) GROUP BY key
            """
        return try await translatingPostgresErrors {
            let rows = try await database.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
            var tallies: [String: LoginFailureTally] = [:]
            for (key, count, oldest) in try rows.decode((String, Int64, Int64).self) {
                tallies[key] = LoginFailureTally(count: Int(count), oldest: Date(millisecondsSince1970: oldest))
            }
            return tallies
        }
    }

    /// See ``LoginFailureStore/clearLoginFailures(key:)``.
    public func clearLoginFailures(key: String) async throws {
        try await translatingPostgresErrors {
            try await database.query("DELETE FROM login_failures WHERE key = \(key)", logger: logger)
        }
    }

    /// See ``LoginFailureStore/sweepLoginFailures(before:limit:)``.
    public func sweepLoginFailures(before: Date, limit: Int) async throws -> Int {
        try await translatingPostgresErrors {
            try await database.query(
                """
                DELETE FROM login_failures WHERE id IN (
                    SELECT id FROM login_failures WHERE at <= \(before.millisecondsSince1970) LIMIT \(max(0, limit)))
                RETURNING 1
                """, logger: logger
            ).count
        }
    }
}
