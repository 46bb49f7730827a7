import CSQLiteSettings
import CommerceCore
import Foundation
import GRDB

/// How hard SQLite works to keep an acknowledged write.
public enum SQLiteDurability: String, Sendable, Hashable, CaseIterable {
    /// WAL with `synchronous=NORMAL`: a committed transaction survives the process crashing (it is in the
    /// WAL, which the OS holds); the last transactions before a power loss or kernel crash may be lost.
    /// The default.
    case normal
    /// WAL with `synchronous=FULL`: the WAL is fsynced at every commit, so a commit also survives power
    /// loss. Each commit pays an fsync.
    case full
}

/// Opening and configuring the GRDB connection a SQLite store runs on.
enum SQLiteDatabase {
    /// SQLite's process-wide settings, applied once before this process opens its first connection: memory
    /// statistics off, which no store reads and which cost every allocation SQLite makes a global mutex
    /// (Documentation/PerformanceLog.md). If the embedding app opened a SQLite connection first, it is too
    /// late and SQLite keeps its defaults; nothing else changes.
    static let processSettings: Void = { _ = commerce_sqlite_disable_memory_statistics() }()

    /// Opens (creating if needed, with its directory) a WAL database file and runs `migrator` on it; its
    /// checkpoints are the returned checkpointer's (``SQLiteCheckpointer``).
    static func open(
        path: String, durability: SQLiteDurability, migrator: DatabaseMigrator,
        checkpoints: SQLiteCheckpointer.Limits = SQLiteCheckpointer.Limits()
    ) throws(CommerceError) -> (writer: DatabasePool, checkpointer: SQLiteCheckpointer) {
        processSettings
        let url = URL(fileURLWithPath: path)
        do {
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw openFailure(path, "its directory cannot be created (\(error.localizedDescription))")
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.foreignKeysEnabled = false
        configuration.prepareDatabase { db in
            // Statement journals in memory: each insert of a group commit runs in a savepoint, and SQLite
            // copies every page an insert changes into that savepoint's journal, which past 64 KiB in a
            // transaction it spills to a temporary file, a `pwrite` per page (Documentation/PerformanceLog.md).
            // Temporary tables and sorts stay in memory too; the statements here sort at most a page.
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            // What a deletion frees is overwritten with zeros in the page, not left as bytes a file reader
            // could find: a deleted user's email, an anonymised order's address (``eraseFreedBytes(_:_:)``).
            try db.execute(sql: "PRAGMA secure_delete = ON")
        }
        let pool: DatabasePool
        let checkpointer: SQLiteCheckpointer
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            // GRDB sets synchronous=NORMAL on the writer when it enables WAL; only the writer commits.
            let synchronous = durability == .full ? "FULL" : "NORMAL"
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = \(synchronous)") }
            checkpointer = SQLiteCheckpointer.attach(to: pool, path: path, limits: checkpoints)
        } catch let error as DatabaseError {
            throw openFailure(path, describe(error))
        } catch {
            throw openFailure(path, "\(error)")
        }
        try migrate(pool, with: migrator, path: path)
        return (pool, checkpointer)
    }

    /// A private in-memory database with `migrator` run on it: for tests and throwaway runs.
    static func inMemory(migrator: DatabaseMigrator) throws(CommerceError) -> DatabaseQueue {
        processSettings
        var configuration = Configuration()
        configuration.foreignKeysEnabled = false
        do {
            let queue = try DatabaseQueue(configuration: configuration)
            try migrate(queue, with: migrator, path: ":memory:")
            return queue
        } catch let error as CommerceError {
            throw error
        } catch {
            throw openFailure(":memory:", "\(error)")
        }
    }

    /// Makes a committed deletion gone from the files: `secure_delete` has zeroed the freed space in the new
    /// versions of its pages, but the WAL still holds the versions written before it. A truncating
    /// checkpoint copies the new versions into the database file and empties the WAL. It waits (the busy
    /// timeout) for readers still on older frames; the store's own readers hold no transaction between reads.
    static func eraseFreedBytes(_ writer: any DatabaseWriter, _ checkpointer: SQLiteCheckpointer?) async throws {
        try await writer.writeWithoutTransaction { db in try truncate(db, checkpointer) }
    }

    /// A truncating checkpoint on the writer's connection `db`, after the checkpointer's running one.
    private static func truncate(_ db: Database, _ checkpointer: SQLiteCheckpointer?) throws {
        checkpointer?.waitForItsCheckpoint()
        _ = try db.checkpoint(.truncate)
    }

    /// Checkpoints the WAL into the file (truncating it) and closes every connection. GRDB closes the writer
    /// before the readers, so SQLite's own checkpoint-on-last-close would not happen.
    static func close(_ writer: any DatabaseWriter, _ checkpointer: SQLiteCheckpointer?) throws {
        do {
            try writer.writeWithoutTransaction { db in try truncate(db, checkpointer) }
            try writer.close()
        } catch {
            throw translated(error)
        }
    }

    private static func migrate(
        _ writer: any DatabaseWriter, with migrator: DatabaseMigrator, path: String
    ) throws(CommerceError) {
        do {
            try migrator.migrate(writer)
        } catch let error as DatabaseError {
            throw openFailure(path, describe(error))
        } catch {
            throw openFailure(path, "\(error)")
        }
    }

    private static func describe(_ error: DatabaseError) -> String {
        switch error.resultCode {
        case .SQLITE_NOTADB: "the file is not a SQLite database"
        case .SQLITE_CANTOPEN: "the file cannot be opened or created (check the path and its permissions)"
        case .SQLITE_READONLY, .SQLITE_PERM: "the file is not writable"
        case .SQLITE_CORRUPT: "the database file is corrupt"
        default: error.message ?? "SQLite error \(error.resultCode.rawValue)"
        }
    }

    private static func openFailure(_ path: String, _ reason: String) -> CommerceError {
        CommerceError(code: .unavailable, message: "Cannot open the database at \(path): \(reason).")
    }
}
