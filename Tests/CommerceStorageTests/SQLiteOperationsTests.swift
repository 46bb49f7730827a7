import CommerceCore
import Foundation
import GRDB
import Testing

@testable import CommerceStorage

/// What operators rely on: backups of live databases, readiness, upgrades of existing files.
@Suite("SQLite backups, readiness and upgrades")
struct SQLiteOperationsTests {
    @Test func aBackupOfALiveDatabaseHoldsWhatWasCommittedAndStandsAlone() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appending(path: "users.sqlite").path
            let store = try SQLiteUserStore(path: path)
            let kept = SQLiteStoreTests.record(email: "kept@example.com")
            try await store.insert(kept)
            let deleted = SQLiteStoreTests.record(email: "gone@example.com")
            try await store.insert(deleted)
            let event = try await store.delete(
                deleted.user.id, at: SQLiteStoreTests.epoch, requestID: RequestID("req-1"))
            // The store is open and its last writes are in the WAL, not yet in the file.
            #expect(FileManager.default.fileExists(atPath: path + "-wal"))

            let copy = directory.appending(path: "backup/users.sqlite").path
            try FileManager.default.createDirectory(
                atPath: directory.appending(path: "backup").path, withIntermediateDirectories: true)
            try SQLiteBackup.copy(databaseAt: path, to: copy)
            #expect(!FileManager.default.fileExists(atPath: copy + "-wal"), "the copy needs no WAL")

            let restored = try SQLiteUserStore(path: copy)
            #expect(try await restored.user(id: kept.user.id) == kept)
            #expect(try await restored.user(id: deleted.user.id) == nil)
            #expect(try await restored.pendingEvents(limit: 10) == [event!], "pending deletions are backed up too")

            let refused = #expect(throws: CommerceError.self) { try SQLiteBackup.copy(databaseAt: path, to: copy) }
            #expect(refused?.code == .conflict, "an existing backup is never overwritten")
            #expect(try await restored.user(id: kept.user.id) == kept)
        }
    }

    @Test func closingFoldsTheWALIntoTheFile() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appending(path: "orders.sqlite").path
            let store = try SQLiteOrderStore(path: path)
            _ = try await store.purge(UserID(), at: SQLiteStoreTests.epoch)
            try store.close()
            let size = (try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? Int ?? 0
            #expect(size == 0, "the WAL is gone or empty once closed: the file alone holds everything")
        }
    }

    @Test func readinessFailsWhenTheFileIsReplaced() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appending(path: "users.sqlite").path
            let store = try SQLiteUserStore(path: path)
            try await store.checkReadiness()
            // Another file at the path (a restore done under a running process, a remounted volume).
            let other = directory.appending(path: "other.sqlite").path
            _ = try SQLiteUserStore(path: other)
            try FileManager.default.removeItem(atPath: path)
            try FileManager.default.moveItem(atPath: other, toPath: path)
            let error = await #expect(throws: CommerceError.self) { try await store.checkReadiness() }
            #expect(error?.code == .unavailable)
        }
    }

    @Test func aUserDatabaseFromSchemaV2KeepsItsPendingDeletions() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appending(path: "users.sqlite").path
            let userId = UserID()
            do {
                let old = try DatabaseQueue(path: path)
                try UserSchema.migrator.migrate(old, upTo: "v2-deletion-outbox")
                try await old.write { db in
                    try db.execute(
                        sql: "INSERT INTO userDeletedEvent (id, userId, occurredAt) VALUES (?, ?, 1767225600000)",
                        arguments: [EventID().description, userId.description])
                }
            }
            let store = try SQLiteUserStore(path: path)
            let pending = try await store.pendingEvents(limit: 10)
            #expect(pending.map(\.userId) == [userId])
            #expect(pending.first?.requestID == nil, "events from before v3 have no request id")
        }
    }
}
