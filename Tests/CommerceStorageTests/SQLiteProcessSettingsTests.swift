import CSQLiteSettings
import CommerceCore
import Foundation
import GRDB
import Testing

@testable import CommerceStorage

/// SQLite's process-wide settings are applied before a store's first connection when they can be; an app
/// that opened SQLite first keeps SQLite's defaults and its stores work the same.
@Suite("SQLite process settings")
struct SQLiteProcessSettingsTests {
    @Test func aStoreOpensAndWritesWhenTheProcessStartedSQLiteBeforeIt() async throws {
        try await withTemporaryDirectory { directory in
            // Another part of the process opened a connection first: SQLite is initialised.
            let other = try DatabaseQueue(path: directory.appending(path: "other.sqlite").path)
            try await other.write { db in try db.execute(sql: "CREATE TABLE t (x)") }
            #expect(commerce_sqlite_disable_memory_statistics() == 21, "too late: SQLITE_MISUSE")

            let store = try SQLiteUserStore(path: directory.appending(path: "users.sqlite").path)
            let record = SQLiteStoreTests.record(email: "late@example.com")
            try await store.insert(record)
            #expect(try await store.user(id: record.user.id) == record)
        }
    }
}
