import CommerceCore
import Foundation
import GRDB

/// Which file a database was opened on (device and inode), so readiness can tell when the file at its
/// path was removed or replaced — a volume unmounted, a directory wiped — while the process keeps writing
/// to the orphaned copy, whose writes a restart would lose.
struct SQLiteFileIdentity: Sendable, Equatable {
    let path: String
    private let device: Int
    private let inode: Int

    /// The identity of the file at `path` now; `nil` when there is none.
    init?(path: String) {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let device = (attributes[.systemNumber] as? NSNumber)?.intValue,
            let inode = (attributes[.systemFileNumber] as? NSNumber)?.intValue
        else { return nil }
        self.path = path
        self.device = device
        self.inode = inode
    }

    /// What ``UserStore/checkReadiness()`` and ``OrderStore/checkReadiness()`` ask of a SQLite store: the
    /// file at the path is still the one opened (when there is a file), and a query is answered.
    static func checkReadiness(of writer: any DatabaseWriter, file: SQLiteFileIdentity?) async throws {
        if let file, SQLiteFileIdentity(path: file.path) != file {
            throw CommerceError.unavailable("The database file \(file.path) was removed or replaced.")
        }
        try await translatingDatabaseErrors {
            _ = try await writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_schema") }
        }
    }
}
