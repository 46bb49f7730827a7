import CommerceCore
import Foundation
import GRDB

/// The login throttle's failures, in the User service's file: every process on it counts them together.
extension SQLiteUserStore: LoginFailureStore {
    /// See ``LoginFailureStore/recordLoginFailure(keys:at:)``: one insert per key, in one transaction.
    public func recordLoginFailure(keys: [String], at date: Date) async throws {
        try await translatingDatabaseErrors {
            try await watch.write(on: writer) { db in
                for key in keys {
                    try db.execute(
                        sql: "INSERT INTO loginFailure (key, at) VALUES (?, ?)",
                        arguments: [key, date.millisecondsSince1970])
                }
            }
        }
    }

    /// See ``LoginFailureStore/loginFailures(since:)``: one `SELECT`, grouped by key.
    public func loginFailures(since: [String: Date]) async throws -> [String: LoginFailureTally] {
        guard !since.isEmpty else { return [:] }
        let condition = Array(repeating: "(key = ? AND at > ?)", count: since.count).joined(separator: " OR ")
        var arguments = StatementArguments()
        for (key, date) in since { arguments += [key, date.millisecondsSince1970] }
        return try await translatingDatabaseErrors {
            try await writer.read { [arguments] db in
                let rows = try Row.fetchAll(
                    db, sql: "SELECT key, count(*), min(at) FROM loginFailure WHERE \(condition) GROUP BY key",
                    arguments: arguments)
                return rows.reduce(into: [:]) { tallies, row in
                    let oldest: Int64 = row[2]
                    tallies[row[0] as String] = LoginFailureTally(
                        count: row[1], oldest: Date(millisecondsSince1970: oldest))
                }
            }
        }
    }

    /// See ``LoginFailureStore/clearLoginFailures(key:)``.
    public func clearLoginFailures(key: String) async throws {
        try await translatingDatabaseErrors {
            try await watch.write(on: writer) { db in
                try db.execute(sql: "DELETE FROM loginFailure WHERE key = ?", arguments: [key])
            }
        }
    }

    /// See ``LoginFailureStore/sweepLoginFailures(before:limit:)``.
    public func sweepLoginFailures(before: Date, limit: Int) async throws -> Int {
        try await translatingDatabaseErrors {
            try await watch.write(on: writer) { db in
                try db.execute(
                    sql: """
                        DELETE FROM loginFailure WHERE rowid IN (
                            SELECT rowid FROM loginFailure WHERE at <= ? LIMIT ?)
                        """, arguments: [before.millisecondsSince1970, max(0, limit)])
                return db.changesCount
            }
        }
    }
}
