import GRDB
import GRDBSQLite

/// A statement a read connection prepares the first time it runs it and keeps: `slot` is its place among
/// the connection's statements, so finding it again is an array index, not a lookup by its text.
struct SQLiteReadQuery: Sendable {
    let slot: Int
    let sql: String
}

/// A SQLite connection driven through SQLite's C API, for reads on the hot path.
///
/// GRDB spends, on every access to one of its pool's readers, a `PRAGMA schema_version` statement (its
/// schema cache's check, a read of its own with the WAL read-lock taken and released around it), a
/// dispatch queue's `sync`, and `Row` values for the rows; a read here is its one statement, prepared once
/// (``statement(_:)``), stepped, and reset. Its errors are GRDB's `DatabaseError`s, so the store translates
/// them as it does GRDB's.
///
/// One thread at a time: ``SQLiteReadConnections`` hands a connection to one read and takes it back after
/// (hence `@unchecked Sendable`: the pool's lock, not the type, makes the hand-over safe).
final class SQLiteReadConnection: @unchecked Sendable {
    private let handle: OpaquePointer
    /// Whether this connection opened `handle` and so closes it; a borrowed one is GRDB's.
    private let owned: Bool
    private var statements: [OpaquePointer?] = []

    /// Opens the database file at `path` read-only. In WAL mode a read-only connection reads the last
    /// committed snapshot without waiting for the writer; SQLite's busy handler waits up to 5 s (GRDB's
    /// setting for the store's own connections) in the rare moments the WAL index is being rebuilt.
    init(path: String) throws {
        var handle: OpaquePointer?
        let code = sqlite3_open_v2(path, &handle, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nil)
        guard code == SQLITE_OK, let handle else {
            let error = DatabaseError(
                resultCode: ResultCode(rawValue: code), message: handle.map { String(cString: sqlite3_errmsg($0)) })
            sqlite3_close_v2(handle)
            throw error
        }
        sqlite3_extended_result_codes(handle, 1)
        sqlite3_busy_timeout(handle, 5_000)
        self.handle = handle
        owned = true
    }

    /// Runs `body` with the connection GRDB has open as `db` (an in-memory database has no file for a
    /// second connection to open); the statements prepared for it are finalized when `body` returns.
    static func borrowing<T>(_ db: Database, _ body: (SQLiteReadConnection) throws -> T) throws -> T {
        guard let handle = db.sqliteConnection else { throw DatabaseError(resultCode: .SQLITE_MISUSE) }
        let connection = SQLiteReadConnection(borrowing: handle)
        defer { connection.close() }
        return try body(connection)
    }

    private init(borrowing handle: OpaquePointer) {
        self.handle = handle
        owned = false
    }

    /// `query` prepared, ready to bind and step; prepared on first use and kept until ``close()``.
    func statement(_ query: SQLiteReadQuery) throws -> SQLiteRawStatement {
        if query.slot < statements.count, let prepared = statements[query.slot] {
            return SQLiteRawStatement(handle: prepared)
        }
        var prepared: OpaquePointer?
        let code = sqlite3_prepare_v3(handle, query.sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &prepared, nil)
        guard code == SQLITE_OK, let prepared else { throw SQLiteRawStatement.error(code, on: handle) }
        if statements.count <= query.slot { statements += repeatElement(nil, count: query.slot + 1 - statements.count) }
        statements[query.slot] = prepared
        return SQLiteRawStatement(handle: prepared)
    }

    /// Finalizes the statements and, when this connection opened its handle, closes it.
    func close() {
        for statement in statements { sqlite3_finalize(statement) }
        statements = []
        if owned { sqlite3_close_v2(handle) }
    }
}
