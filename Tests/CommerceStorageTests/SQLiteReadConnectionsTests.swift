import CommerceCore
import Foundation
import GRDB
import Testing

@testable import CommerceStorage

/// The read connections a SQLite order store owns for its hot reads: they see every committed write, stay
/// few however many reads run at once, never hold the WAL back, and are released with the store.
@Suite("SQLite hot-read connections")
struct SQLiteReadConnectionsTests {
    private static func order(of userId: UserID, at seconds: TimeInterval) -> Order {
        let at = Date(timeIntervalSince1970: seconds)
        return Order(
            id: OrderID(), userId: userId,
            items: [OrderItem(productId: "p", name: "n", quantity: 1, unitPrice: Money(minorUnits: 250))],
            deliveryAddress: "a", status: .pending, currency: .usd, total: Money(minorUnits: 250), createdAt: at,
            updatedAt: at)
    }

    @Test func aHotReadSeesWhatWasCommittedJustBefore() async throws {
        try await withTemporaryDirectory { directory in
            let store = try SQLiteOrderStore(path: directory.appending(path: "orders.sqlite").path)
            let userId = UserID()
            #expect(try await store.liveOrders(of: userId, status: nil, after: nil, limit: 10, token: nil) == [])
            // The reader used above is idle now, and must not answer from the snapshot it read then.
            let first = Self.order(of: userId, at: 1_000)
            try await store.importOrders([first])
            #expect(try await store.order(first.id, of: userId, token: nil) == first)
            let second = Self.order(of: userId, at: 2_000)
            try await store.importOrders([second])
            let page = try await store.liveOrders(of: userId, status: nil, after: nil, limit: 10, token: nil)
            #expect(page?.map(\.id) == [second.id, first.id])
            _ = try await store.purge(userId, at: Date(timeIntervalSince1970: 3_000))
            #expect(try await store.liveOrders(of: userId, status: nil, after: nil, limit: 10, token: nil) == nil)
        }
    }

    @Test func manyReadsAtOnceAreAllAnsweredAndFewConnectionsAreKept() async throws {
        try await withTemporaryDirectory { directory in
            let store = try SQLiteOrderStore(path: directory.appending(path: "orders.sqlite").path)
            let userId = UserID()
            let order = Self.order(of: userId, at: 1_000)
            try await store.importOrders([order])
            let answers = try await withThrowingTaskGroup(of: Order?.self) { group in
                for _ in 0..<200 { group.addTask { try await store.order(order.id, of: userId, token: nil) } }
                return try await group.reduce(into: [Order?]()) { $0.append($1) }
            }
            #expect(answers.count == 200)
            #expect(answers.allSatisfy { $0 == order })
            #expect(store.readConnections.idleCount <= SQLiteReadConnections.idleLimit)
        }
    }

    @Test func idleReadersNeverHoldACheckpointBack() async throws {
        try await withTemporaryDirectory { directory in
            let store = try SQLiteOrderStore(path: directory.appending(path: "orders.sqlite").path)
            let userId = UserID()
            try await store.importOrders([Self.order(of: userId, at: 1_000)])
            _ = try await store.liveOrders(of: userId, status: nil, after: nil, limit: 10, token: nil)
            try await store.importOrders([Self.order(of: userId, at: 2_000)])
            // A reader still inside a read would keep TRUNCATE from emptying the WAL (SQLITE_BUSY).
            let checkpoint = try await store.databaseWriter.writeWithoutTransaction { db in
                try db.checkpoint(.truncate)
            }
            #expect(checkpoint.walFrameCount == 0, "the WAL was emptied: no reader held a snapshot in it")
        }
    }

    @Test func theHotReadsFindTheUsersOrdersByIndexWithoutSortingOrCopyingThem() async throws {
        let store = try SQLiteOrderStore.inMemory()
        for query in OrderHotReads.queries {
            let steps = try await store.databaseWriter.read { db in
                let unbound = StatementArguments(Array(repeating: nil as String?, count: query.sql.count { $0 == "?" }))
                return try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + query.sql, arguments: unbound)
                    .map { $0["detail"] as String }
            }
            let firstLine = query.sql.prefix { $0 != "\n" }
            #expect(!steps.contains { $0.contains("TEMP B-TREE") }, "sorts again: \(firstLine) \(steps)")
            #expect(!steps.contains { $0.hasPrefix("MATERIALIZE") }, "copies rows: \(firstLine) \(steps)")
            // Each table is searched by a key; only the one-row subqueries are scanned.
            let tables = steps.filter { $0.hasPrefix("SEARCH") || $0.hasPrefix("SCAN") }
                .filter { !["SCAN CONSTANT ROW", "SCAN m", "SCAN page"].contains($0) }
            let byKey = ["order_user_newest", "PRIMARY KEY", "sqlite_autoindex_order_1"]
            #expect(
                tables.allSatisfy { step in step.hasPrefix("SEARCH") && byKey.contains { step.contains($0) } },
                "\(firstLine) \(tables)")
        }
    }

    #if os(Linux)
        @Test func closingReleasesEveryHandleOnTheFiles() async throws {
            try await withTemporaryDirectory { directory in
                let path = directory.appending(path: "orders.sqlite").path
                let store = try SQLiteOrderStore(path: path)
                let userId = UserID()
                try await store.importOrders([Self.order(of: userId, at: 1_000)])
                _ = try await store.liveOrders(of: userId, status: nil, after: nil, limit: 10, token: nil)
                #expect(Self.openHandles(on: path) > 0)
                try store.close()
                #expect(Self.openHandles(on: path) == 0, "a closed store can be moved or backed up as a file")
            }
        }

        /// How many of this process's file descriptors are open on the database, its WAL or its index.
        private static func openHandles(on path: String) -> Int {
            let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
            return descriptors.count { descriptor in
                let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(descriptor)")
                return target?.hasPrefix(path) ?? false
            }
        }
    #endif
}
