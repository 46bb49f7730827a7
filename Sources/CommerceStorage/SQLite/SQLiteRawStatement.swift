import GRDB
import GRDBSQLite

/// A prepared statement driven through SQLite's C API: bound, stepped row by row, read by column position.
/// A ``SQLiteReadConnection``'s, or one GRDB prepared and keeps (``init(_:)``).
struct SQLiteRawStatement {
    private let handle: OpaquePointer

    /// Drives `handle`, a statement its owner finalizes.
    init(handle: OpaquePointer) { self.handle = handle }

    /// Drives a statement GRDB prepared and caches (`Database.cachedStatement`), which GRDB finalizes
    /// when it closes its connection. Use it on that connection's queue only, and no other way: GRDB does
    /// not see what is bound to it.
    init(_ statement: Statement) { handle = statement.sqliteStatement }

    /// Runs a statement that returns no rows, such as an `INSERT`, once.
    func execute(bind: (inout SQLiteBindings) throws -> Void) throws {
        try rows(bind: bind) { _ in }
    }

    /// Runs the statement once: `bind` binds its parameters, `row` is called on each row it steps to. The
    /// statement is reset afterwards (also when one throws), which ends the read and its WAL snapshot.
    func rows(bind: (inout SQLiteBindings) throws -> Void, row: (SQLiteRawStatement) throws -> Void) throws {
        defer { sqlite3_reset(handle) }
        var bindings = SQLiteBindings(handle: handle)
        try bind(&bindings)
        while true {
            switch sqlite3_step(handle) {
            case SQLITE_ROW: try row(self)
            case SQLITE_DONE: return
            case let code: throw Self.error(code, on: sqlite3_db_handle(handle))
            }
        }
    }

    func isNull(at column: Int) -> Bool { sqlite3_column_type(handle, Int32(column)) == SQLITE_NULL }

    func int64(at column: Int) -> Int64 { sqlite3_column_int64(handle, Int32(column)) }

    /// The column's text; a NULL reads as empty, which no caller's column holds.
    func text(at column: Int) -> String { withUTF8(at: column) { String(decoding: $0, as: UTF8.self) } }

    /// Runs `body` with the column's UTF-8 bytes, SQLite's own (empty for NULL): valid until the statement
    /// steps or is reset, hence only inside `body`.
    func withUTF8<Result>(at column: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows
        -> Result
    {
        let bytes = sqlite3_column_text(handle, Int32(column))
        return try body(UnsafeBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(handle, Int32(column)))))
    }

    static func error(_ code: Int32, on connection: OpaquePointer?) -> DatabaseError {
        DatabaseError(
            resultCode: ResultCode(rawValue: code), message: connection.map { String(cString: sqlite3_errmsg($0)) })
    }
}

/// Binds a statement's parameters in order, from the first.
struct SQLiteBindings {
    fileprivate let handle: OpaquePointer
    private var next: Int32 = 1

    fileprivate init(handle: OpaquePointer) { self.handle = handle }

    /// Binds `text` (SQLite copies it), or NULL when it is `nil`, to the next parameter.
    mutating func bind(_ text: String?) throws {
        var code: Int32
        if var text {
            code = text.withUTF8 { bytes in
                // An empty buffer may have no address, and a NULL pointer would bind SQL NULL.
                let start = UnsafeRawPointer(bytes.baseAddress ?? StaticString("").utf8Start)
                return sqlite3_bind_text(
                    handle, next, start.assumingMemoryBound(to: CChar.self), Int32(bytes.count), transient)
            }
        } else {
            code = sqlite3_bind_null(handle, next)
        }
        try check(code)
    }

    /// Binds `value` to the next parameter.
    mutating func bind(_ value: Int64) throws {
        try check(sqlite3_bind_int64(handle, next, value))
    }

    /// Binds `value`, or NULL when it is `nil`, to the next parameter.
    mutating func bind(_ value: Int64?) throws {
        try check(value.map { sqlite3_bind_int64(handle, next, $0) } ?? sqlite3_bind_null(handle, next))
    }

    private mutating func check(_ code: Int32) throws {
        guard code == SQLITE_OK else { throw SQLiteRawStatement.error(code, on: sqlite3_db_handle(handle)) }
        next += 1
    }

    /// SQLite's `SQLITE_TRANSIENT`, a macro Swift does not import: SQLite copies the bound bytes.
    private let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
}
