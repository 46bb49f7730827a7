import CommerceCore
import Foundation
import GRDB

/// Consistent copies of a live SQLite database through SQLite's online backup API: safe while the services
/// run and write (the copy is the database as of one moment), unlike copying the file, which can catch a
/// half-written page or miss what is still in the WAL.
public enum SQLiteBackup {
    /// Copies the database at `source` into a new file at `destination`.
    /// - Throws: ``CommerceError/Code/conflict`` when `destination` exists (nothing is overwritten);
    ///   ``CommerceError/Code/unavailable`` when `source` cannot be read or `destination` written.
    public static func copy(databaseAt source: String, to destination: String) throws(CommerceError) {
        guard !FileManager.default.fileExists(atPath: destination) else {
            throw CommerceError.conflict("The backup \(destination) exists already; choose a new name.")
        }
        guard FileManager.default.fileExists(atPath: source) else {
            throw CommerceError.unavailable("There is no database at \(source) to back up.")
        }
        do {
            var readOnly = Configuration()
            readOnly.readonly = true
            let from = try DatabaseQueue(path: source, configuration: readOnly)
            let to = try DatabaseQueue(path: destination)
            try from.backup(to: to)
            try to.writeWithoutTransaction { db in
                // A file that stands alone: the copy carries no WAL and opens read-only too.
                try db.execute(sql: "PRAGMA journal_mode = DELETE")
                guard try String.fetchOne(db, sql: "PRAGMA integrity_check") == "ok" else {
                    throw CommerceError.unavailable("The backup of \(source) failed its integrity check.")
                }
            }
            try to.close()
            try from.close()
        } catch let error as CommerceError {
            try? FileManager.default.removeItem(atPath: destination)
            throw error
        } catch {
            try? FileManager.default.removeItem(atPath: destination)
            throw CommerceError.unavailable("Backing up \(source) failed: \(error).")
        }
    }
}
