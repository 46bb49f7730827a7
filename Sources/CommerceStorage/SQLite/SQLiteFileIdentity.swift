import CommerceCore
import Foundation
import GRDB
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
#if canImport(CDispatch)
    import CDispatch  // where Swift finds `stat`'s members on Linux when no other module brought it in
#endif
#if canImport(CoreFoundation)
    import CoreFoundation  // where Swift finds `stat`'s members on Linux
#endif

/// Which file a database was opened on (device and inode), so a store can tell when the file at its path
/// was removed or replaced — a volume unmounted, a directory wiped — while the process keeps writing to the
/// orphaned copy, whose writes a restart would lose.
struct SQLiteFileIdentity: Sendable, Equatable {
    /// The file itself, whatever path names it.
    struct Key: Sendable, Hashable {
        let device: Int
        let inode: Int
    }

    let path: String
    private let device: Int
    private let inode: Int

    var key: Key { Key(device: device, inode: inode) }

    /// The identity of the file at `path` now; `nil` when there is none. One `stat` call: every write asks
    /// (Foundation's `attributesOfItem` built a dictionary of every attribute on every write).
    init?(path: String) {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        self.path = path
        device = Int(status.st_dev)
        inode = Int(status.st_ino)
    }
}

/// Keeps a SQLite store's writes honest about where they land: a write is acknowledged only if, once it has
/// committed, the file at the store's path is still the one the store opened — the one the next start will
/// open. From the first time it is not, every write is refused (`unavailable`) until the process restarts:
/// anything written to the orphaned file would be lost.
final class SQLiteFileWatch: Sendable {
    /// The file opened; `nil` for an in-memory database, which has none to lose.
    let file: SQLiteFileIdentity?
    private let lost = Mutex(false)

    init(file: SQLiteFileIdentity?) { self.file = file }

    /// Throws when the file was already found removed or replaced.
    func checkBeforeWriting() throws(CommerceError) {
        if lost.withLock({ $0 }) { throw Self.fileLost(file) }
    }

    /// Throws, and refuses every later write, when the file at the path is no longer the one opened.
    func confirmWritten() throws(CommerceError) {
        guard let file, SQLiteFileIdentity(path: file.path) != file else { return }
        lost.withLock { $0 = true }
        throw Self.fileLost(file)
    }

    /// Runs a write transaction, acknowledged only if it landed in the file the store opened.
    func write<T: Sendable>(
        on writer: any DatabaseWriter, _ body: @escaping @Sendable (Database) throws -> T
    ) async throws -> T {
        try checkBeforeWriting()
        let result = try await writer.write(body)
        try confirmWritten()
        return result
    }

    /// What ``UserRecordStore/checkReadiness()`` and ``OrderRecordStore/checkReadiness()`` ask of a SQLite store: the
    /// file at the path is still the one opened, a query is answered, and the write lock can be taken (another process
    /// holding it keeps every write waiting, so the store is not ready).
    func checkReadiness(of writer: any DatabaseWriter) async throws {
        try checkBeforeWriting()
        if let file, SQLiteFileIdentity(path: file.path) != file {
            throw CommerceError.unavailable("The database file \(file.path) was removed or replaced.")
        }
        try await translatingDatabaseErrors {
            _ = try await writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_schema") }
            try await writer.writeWithoutTransaction { db in try db.inTransaction(.immediate) { .rollback } }
        }
    }

    private static func fileLost(_ file: SQLiteFileIdentity?) -> CommerceError {
        .unavailable(
            "The database file \(file?.path ?? "") was removed or replaced; restart the service on the right file.")
    }
}
