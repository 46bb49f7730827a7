import CommerceCore
import Foundation
import GRDB
import Testing

@testable import CommerceStorage

/// A SQLite order store keeps a user's newest page between reads (``OrderPageCache``); what it answers
/// from there must be what the database holds.
@Suite("SQLite order pages kept between reads")
struct OrderPageCacheTests {
    static let epoch = Date(millisecondsSince1970: 1_767_225_600_000)

    static func order(of userId: UserID, at offset: Int) -> Order {
        let at = epoch.addingTimeInterval(Double(offset))
        return Order(
            id: OrderID(), userId: userId,
            items: [OrderItem(productId: "p", name: "Tea", quantity: 1, unitPrice: Money(minorUnits: 499))],
            deliveryAddress: "1 Main St", status: .pending, currency: .usd, total: Money(minorUnits: 499),
            createdAt: at, updatedAt: at)
    }

    static func page(_ store: SQLiteOrderStore, of userId: UserID, token: CallerToken? = nil) async throws -> [Order]? {
        try await store.liveOrders(of: userId, status: nil, after: nil, limit: 10, token: token)
    }

    @Test func aKeptPageTakesInEveryWriteOfItsUser() async throws {
        let store = try SQLiteOrderStore.inMemory()
        let user = UserID()
        let first = Self.order(of: user, at: 1)
        _ = try await store.insert(first, idempotency: nil, now: Self.epoch)
        #expect(try await Self.page(store, of: user) == [first])
        #expect(store.pages.kept == (users: 1, orders: 1), "the page is kept")

        let second = Self.order(of: user, at: 2)
        _ = try await store.insert(second, idempotency: nil, now: Self.epoch)
        #expect(try await Self.page(store, of: user) == [second, first])

        let confirmed = try #require(
            try await store.transition(first, to: OrderHistoryEntry(status: .confirmed, at: Self.epoch, by: .staff)))
        #expect(try await Self.page(store, of: user) == [second, confirmed])
    }

    @Test func aKeptPageRefusesATokenRevokedSinceAndIsDroppedAtDeletion() async throws {
        let store = try SQLiteOrderStore.inMemory()
        let user = UserID()
        _ = try await store.insert(Self.order(of: user, at: 1), idempotency: nil, now: Self.epoch)
        let token = CallerToken(userId: user, issuedAt: Self.epoch)
        #expect(try await Self.page(store, of: user, token: token)?.count == 1)

        _ = try await store.revokeTokens(of: user, issuedBefore: Self.epoch.addingTimeInterval(1))
        await #expect(throws: CommerceError.tokenRevoked) { try await Self.page(store, of: user, token: token) }
        let later = CallerToken(userId: user, issuedAt: Self.epoch.addingTimeInterval(2))
        #expect(try await Self.page(store, of: user, token: later)?.count == 1)

        _ = try await store.purge(user, at: Self.epoch.addingTimeInterval(3))
        #expect(store.pages.kept.users == 0, "nothing of the deleted user's orders is kept")
        #expect(try await Self.page(store, of: user) == nil)
    }

    /// A page is kept with its own user's mark, so another user's token (staff reading it) is judged by
    /// the database, not by the page's user's mark.
    @Test func anotherUsersTokenIsJudgedByItsOwnMark() async throws {
        let store = try SQLiteOrderStore.inMemory()
        let user = UserID()
        let staff = UserID()
        _ = try await store.insert(Self.order(of: user, at: 1), idempotency: nil, now: Self.epoch)
        #expect(try await Self.page(store, of: user)?.count == 1)
        _ = try await store.revokeTokens(of: staff, issuedBefore: Self.epoch.addingTimeInterval(1))
        await #expect(throws: CommerceError.tokenRevoked) {
            try await Self.page(store, of: user, token: CallerToken(userId: staff, issuedAt: Self.epoch))
        }
    }

    /// A write that names nothing for the kept pages (here one made straight on the store's connection)
    /// drops every kept page.
    @Test func aWriteThatNamesNothingDropsEveryKeptPage() async throws {
        let store = try SQLiteOrderStore.inMemory()
        let users = [UserID(), UserID()]
        for (offset, user) in users.enumerated() {
            _ = try await store.insert(Self.order(of: user, at: offset), idempotency: nil, now: Self.epoch)
            _ = try await Self.page(store, of: user)
        }
        #expect(store.pages.kept.users == 2)
        try await store.databaseWriter.write { db in
            try db.execute(sql: #"UPDATE "order" SET deliveryAddress = 'Changed'"#)
        }
        for user in users { #expect(try await Self.page(store, of: user)?.first?.deliveryAddress == "Changed") }
    }

    /// Two stores a process opens on one file share its kept pages, so each reads the other's writes.
    @Test func storesOnOneFileReadEachOthersWrites() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appending(path: "orders.sqlite").path
            let writing = try SQLiteOrderStore(path: path)
            let reading = try SQLiteOrderStore(path: path)
            let user = UserID()
            #expect(try await Self.page(reading, of: user) == [])
            let order = Self.order(of: user, at: 1)
            _ = try await writing.insert(order, idempotency: nil, now: Self.epoch)
            #expect(try await Self.page(reading, of: user) == [order])
            try writing.close()
            try reading.close()
        }
    }

    @Test func aReadOverlappingACommitThatNamesItsUserIsNotKept() throws {
        let (cache, database) = try Self.observedCache()
        let user = UserID()
        let other = try #require((0..<10_000).lazy.map { _ in UserID() }.first { !cache.sharesStripe(user, $0) })
        let page = OrderPageCache.Page(voidBefore: nil, tombstoned: false, orders: [])

        let stamp = cache.stamp(of: user)
        try Self.commit(on: database, of: cache, naming: [other])
        cache.remember(page, of: user, status: nil, limit: 10, readAfter: stamp)
        #expect(cache.page(of: user, status: nil, limit: 10) != nil, "another user's commit changes nothing")

        let overlapped = cache.stamp(of: user)
        try Self.commit(on: database, of: cache, naming: [user])
        #expect(cache.page(of: user, status: nil, limit: 10) == nil)
        cache.remember(page, of: user, status: nil, limit: 10, readAfter: overlapped)
        #expect(cache.page(of: user, status: nil, limit: 10) == nil, "read before the commit: not kept")
    }

    @Test func aRolledBackTransactionsNamesDoNotCoverTheNextCommit() throws {
        let (cache, database) = try Self.observedCache()
        let user = UserID()
        cache.remember(
            OrderPageCache.Page(voidBefore: nil, tombstoned: false, orders: []), of: user, status: nil, limit: 10,
            readAfter: cache.stamp(of: user))
        struct Refused: Error {}
        #expect(throws: Refused.self) {
            try database.write { db in
                cache.writes(pagesOf: [], in: db)
                try db.execute(sql: "INSERT INTO t VALUES (1)")
                throw Refused()
            }
        }
        #expect(cache.page(of: user, status: nil, limit: 10) != nil)
        try database.write { db in try db.execute(sql: "INSERT INTO t VALUES (2)") }
        #expect(cache.page(of: user, status: nil, limit: 10) == nil, "an unnamed commit drops every page")
    }

    @Test func keptPagesHoldAtMostTheirLimitOfOrders() throws {
        let (cache, _) = try Self.observedCache()
        let page = OrderPageCache.Page(
            voidBefore: nil, tombstoned: false, orders: (0..<100).map { Self.order(of: UserID(), at: $0) })
        let users = (0..<(OrderPageCache.orderLimit / 100 + 5)).map { _ in UserID() }
        for user in users {
            cache.remember(page, of: user, status: nil, limit: 100, readAfter: cache.stamp(of: user))
        }
        #expect(cache.kept.orders <= OrderPageCache.orderLimit)
        #expect(cache.kept.users == OrderPageCache.orderLimit / 100)
        let last = try #require(users.last)
        #expect(cache.page(of: last, status: nil, limit: 100) != nil, "the page just read is kept")
    }

    static func observedCache() throws -> (OrderPageCache, DatabaseQueue) {
        let cache = OrderPageCache()
        let database = try DatabaseQueue()
        try database.write { db in try db.execute(sql: "CREATE TABLE t (a INTEGER)") }
        database.add(transactionObserver: cache, extent: .databaseLifetime)
        return (cache, database)
    }

    static func commit(on database: DatabaseQueue, of cache: OrderPageCache, naming users: [UserID]) throws {
        try database.write { db in
            cache.writes(pagesOf: users, in: db)
            try db.execute(sql: "INSERT INTO t VALUES (0)")
        }
    }
}
