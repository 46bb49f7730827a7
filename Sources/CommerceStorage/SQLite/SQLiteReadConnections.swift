import GRDB
import Synchronization

/// The read connections a SQLite store owns for its hot reads, each used by one read at a time on the
/// thread that asks (no queue, no hop).
///
/// A read takes an idle connection or, when every one is in use, opens another; it gives it back after,
/// and at most ``idleLimit`` are kept (threads that read at once are the event loops and the few the
/// concurrency pool runs, so a handful suffice). A connection holds no read transaction between reads: its
/// statement is reset after each (``SQLiteRawStatement/rows(bind:row:)``), so an idle one never keeps a
/// checkpoint from reaching the end of the WAL.
///
/// An in-memory database has no file a second connection could open: its reads borrow GRDB's one
/// connection (through `unsafeRead`, which waits for a write in progress there).
final class SQLiteReadConnections: Sendable {
    private enum Source: Sendable {
        case file(path: String)
        case borrowed(any DatabaseReader)
    }

    private struct State {
        var idle: [SQLiteReadConnection] = []
        var closed = false
    }

    /// How many idle connections are kept; one opened beyond them is closed when its read ends.
    static let idleLimit = 8

    private let source: Source
    private let state = Mutex(State())

    /// Connections to the database file at `path`, opened as reads need them.
    init(path: String) { source = .file(path: path) }

    /// Reads on `reader`'s own connection: for an in-memory database.
    init(borrowing reader: any DatabaseReader) { source = .borrowed(reader) }

    deinit {
        for connection in state.withLock({ $0.idle }) { connection.close() }
    }

    /// How many connections are idle, kept for the next reads.
    var idleCount: Int { state.withLock { $0.idle.count } }

    /// Runs `body` on a read connection, on this thread.
    /// - Throws: `DatabaseError` when a connection cannot be opened or after ``close()``; what `body` throws.
    func read<T>(_ body: (SQLiteReadConnection) throws -> T) throws -> T {
        switch source {
        case .borrowed(let reader):
            return try reader.unsafeRead { db in try SQLiteReadConnection.borrowing(db, body) }
        case .file(let path):
            let connection = try checkOut(path: path)
            defer { checkIn(connection) }
            return try body(connection)
        }
    }

    /// Closes the idle connections and refuses every later read; one in use is closed when its read ends.
    func close() {
        let idle = state.withLock { state in
            state.closed = true
            defer { state.idle = [] }
            return state.idle
        }
        for connection in idle { connection.close() }
    }

    private func checkOut(path: String) throws -> SQLiteReadConnection {
        let taken = try state.withLock { state throws -> SQLiteReadConnection? in
            if state.closed { throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "The store is closed.") }
            return state.idle.popLast()
        }
        return try taken ?? SQLiteReadConnection(path: path)
    }

    private func checkIn(_ connection: SQLiteReadConnection) {
        let kept = state.withLock { state in
            guard !state.closed, state.idle.count < Self.idleLimit else { return false }
            state.idle.append(connection)
            return true
        }
        if !kept { connection.close() }
    }
}
