import Foundation
import GRDB
import GRDBSQLite
import Synchronization

/// Checkpoints a WAL database mostly from a connection of its own, so the writer's commits seldom wait for
/// them.
///
/// SQLite's autocheckpoint runs on the connection that just committed, inside its `COMMIT`: it copies the
/// WAL's pages into the database file and makes two `fdatasync`s. On the group commit
/// (``OrderInsertBatcher``) every placement waiting for the next transaction waited for that too, and
/// during `POST /api/order` the core sat in I/O wait for about a tenth of the time
/// (Documentation/PerformanceLog.md, "Checkpoints beside the writer").
///
/// Installed as the writer's WAL hook (``attach(to:path:limits:)``), in place of the autocheckpoint:
/// - Each time the WAL has grown by ``Limits/every`` frames, a commit has the checkpointer run a `PASSIVE`
///   checkpoint on a serial queue, from a connection it opens for it. A `PASSIVE` checkpoint takes no lock
///   a writer or a reader waits for; it copies the frames committed when it began.
/// - SQLite starts the WAL again from its beginning only when a write transaction begins after a
///   checkpoint that left nothing to copy, which under a steady load only a checkpoint of the writer's own
///   can be. So from ``Limits/restartFrom`` frames, the commit after a checkpointer's checkpoint that
///   copied everything it found checkpoints on the writer, copying only the frames committed since. From
///   twice that the writer checkpoints after every commit, as the autocheckpoint did: the WAL stays bounded
///   even if the checkpointer cannot keep up or cannot open its connection.
///
/// Durability is unchanged: a commit is in the WAL (fsynced at commit under ``SQLiteDurability/full``)
/// before it is acknowledged, whichever connection copies it on.
final class SQLiteCheckpointer: Sendable {
    /// When the checkpoints run, in WAL frames (pages).
    struct Limits: Sendable {
        /// The frames the WAL grows by between two of the checkpointer's checkpoints. Half SQLite's
        /// autocheckpoint: at 1000, each checkpoint's `fdatasync` of the database file held the writer's
        /// own writes up long enough to double the `POST` p99 (Documentation/PerformanceLog.md).
        var every: Int32 = 500
        /// The WAL size from which the writer starts the WAL again (see the type's description).
        var restartFrom: Int32 = 8000
    }

    private struct State {
        /// The WAL size at which a commit starts the checkpointer's next checkpoint.
        var nextAt: Int32
        /// The WAL size the last commit left.
        var frames: Int32 = 0
        var running = false
        /// Whether the checkpointer's last checkpoint, ended since the last commit, copied every frame the
        /// WAL held when it began.
        var copiedAll = false
    }

    private let path: String
    private let limits: Limits
    private let state: Mutex<State>
    private let queue = DispatchQueue(label: "swift-commerce.sqlite-checkpoints")

    /// A checkpointer not yet attached (``attach(to:path:limits:)`` makes the ones in use).
    init(path: String, limits: Limits) {
        self.path = path
        self.limits = limits
        state = Mutex(State(nextAt: limits.every))
    }

    /// Makes a checkpointer for the database file at `path` the WAL hook of `writer`'s connection, in place
    /// of SQLite's autocheckpoint. The connection keeps it (as a transaction observer for its lifetime, which
    /// observes nothing) as long as its hook may call it.
    static func attach(to writer: any DatabaseWriter, path: String, limits: Limits = Limits()) -> SQLiteCheckpointer {
        let checkpointer = SQLiteCheckpointer(path: path, limits: limits)
        writer.writeWithoutTransaction { db in
            db.add(transactionObserver: checkpointer, extent: .databaseLifetime)
            sqlite3_wal_hook(db.sqliteConnection, walHook, Unmanaged.passUnretained(checkpointer).toOpaque())
        }
        return checkpointer
    }

    /// Returns once no checkpoint of this checkpointer's is running, for a checkpoint of the writer's own (a
    /// truncating one, say): SQLite answers a second checkpoint with `SQLITE_BUSY` at once rather than
    /// waiting for the first. Called on the writer's connection, none starts after it until the writer
    /// commits again, as only the writer's commits start them.
    func waitForItsCheckpoint() {
        queue.sync {}
    }

    /// Called by SQLite on the writer's thread after each commit, with the frames the WAL now holds.
    private static let walHook:
        @convention(c) (UnsafeMutableRawPointer?, OpaquePointer?, UnsafePointer<CChar>?, Int32) -> Int32 = {
            context, db, name, frames in
            guard let context else { return SQLITE_OK }
            let checkpointer = Unmanaged<SQLiteCheckpointer>.fromOpaque(context).takeUnretainedValue()
            switch checkpointer.step(atFrames: frames) {
            case .none: break
            case .checkpointer: checkpointer.queue.async { checkpointer.checkpoint() }
            case .writer:
                // As SQLite's autocheckpoint: a checkpoint that fails now is tried again after a later commit.
                _ = sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
            }
            return SQLITE_OK
        }

    /// What a commit starts: nothing, a checkpoint of the checkpointer's, or one on the writer.
    enum Step { case none, checkpointer, writer }

    /// What the commit that left the WAL at `frames` starts (internal for the test of its table).
    func step(atFrames frames: Int32) -> Step {
        state.withLock { state in
            // A WAL smaller than the last commit left has started again, and so does the count.
            if frames < state.frames { state.nextAt = limits.every }
            state.frames = frames
            let copiedAll = state.copiedAll
            state.copiedAll = false
            if Int(frames) >= 2 * Int(limits.restartFrom) || (copiedAll && frames >= limits.restartFrom) {
                return .writer
            }
            guard frames >= state.nextAt, !state.running else { return .none }
            state.running = true
            state.nextAt = frames + limits.every
            return .checkpointer
        }
    }

    /// Runs one `PASSIVE` checkpoint, on a connection opened for it: kept open, it would outlive a store
    /// dropped without ``SQLiteOrderStore/close()``. A checkpoint that cannot run leaves the WAL to the
    /// writer's own, from twice ``Limits/restartFrom``.
    private func checkpoint() {
        var handle: OpaquePointer?
        var frames: Int32 = 0
        var copied: Int32 = 0
        let ran =
            sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK
            // A connection opens the WAL with its first read; a checkpoint before it finds none.
            && sqlite3_exec(handle, "PRAGMA schema_version", nil, nil, nil) == SQLITE_OK
            && sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_PASSIVE, &frames, &copied) == SQLITE_OK
        sqlite3_close_v2(handle)
        finished(copiedAll: ran && frames > 0 && copied >= frames)
    }

    /// Records that the checkpointer's checkpoint ended, and whether it copied every frame it found.
    func finished(copiedAll: Bool) {
        state.withLock { state in
            state.running = false
            state.copiedAll = copiedAll
        }
    }
}

extension SQLiteCheckpointer: TransactionObserver {
    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { false }
    func databaseDidChange(with event: DatabaseEvent) {}
    func databaseDidCommit(_ db: Database) {}
    func databaseDidRollback(_ db: Database) {}
}
