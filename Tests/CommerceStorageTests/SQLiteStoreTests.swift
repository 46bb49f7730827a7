import CommerceCore
import CommerceTesting
import Foundation
import GRDB
import Logging
import Testing

@testable import CommerceStorage

@Suite("SQLite stores beyond the conformance suite")
struct SQLiteStoreTests {
    static let epoch = Date(millisecondsSince1970: 1_767_225_600_000)

    static func record(email: String = "ann@example.com") -> UserRecord {
        let user = User(
            id: UserID(), username: Username(trusted: "Ann"), email: EmailAddress(trusted: email),
            createdAt: epoch, updatedAt: epoch)
        return UserRecord(user: user, passwordHash: "$2b$04$hash")
    }

    @Test func anEmailTakenInOneUnicodeFormIsTakenInTheOther() async throws {
        let store = try SQLiteUserStore.inMemory()
        var first = Self.record()
        first.user.email = try EmailAddress("jos\u{E9}@example.com")
        try await store.insert(first)
        var second = Self.record()
        second.user.email = try EmailAddress("jose\u{301}@example.com")
        await #expect(throws: CommerceError.self) { try await store.insert(second) }
        #expect(try await store.user(email: second.user.email)?.user.id == first.user.id)
    }

    @Test func usersAndPendingEventsSurviveReopening() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appending(path: "users.sqlite").path
            let kept = Self.record(email: "kept@example.com")
            let deleted = Self.record(email: "deleted@example.com")
            var event: OutboxEvent?
            do {
                let store = try SQLiteUserStore(path: path)
                try await store.insert(kept)
                try await store.insert(deleted)
                event = try await store.delete(deleted.user.id, at: Self.epoch)
            }
            let reopened = try SQLiteUserStore(path: path)
            #expect(try await reopened.user(id: kept.user.id) == kept)
            #expect(try await reopened.user(id: deleted.user.id) == nil)
            #expect(try await reopened.pendingEvents(limit: 10) == [event!])
        }
    }

    @Test func ordersAndTombstonesSurviveReopening() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appending(path: "orders.sqlite").path
            let userId = UserID()
            let purgedUser = UserID()
            let order = Order(
                id: OrderID(), userId: userId,
                items: [OrderItem(productId: "p", name: "n", quantity: 2, unitPrice: Money(minorUnits: 150))],
                deliveryAddress: "a", status: .pending, currency: .usd, total: Money(minorUnits: 300),
                createdAt: Self.epoch, updatedAt: Self.epoch)
            do {
                let store = try SQLiteOrderStore(path: path)
                _ = try await store.insert(order, idempotency: nil, now: Self.epoch)
                _ = try await store.purge(purgedUser, at: Self.epoch)
            }
            let reopened = try SQLiteOrderStore(path: path)
            #expect(try await reopened.orders(of: userId, after: nil, limit: 10) == [order])
            #expect(try await reopened.isTombstoned(purgedUser))
        }
    }

    /// One process serves a SQLite file, so the claims a stopped process held end when the file is opened
    /// again: its deliveries are sent at once rather than when their leases end.
    @Test func reopeningEndsTheWebhookClaimsAStoppedProcessLeft() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appending(path: "orders.sqlite").path
            let subscription = WebhookSubscription(
                url: URL(string: "https://hooks.example.com/orders")!, events: [.placed],
                secret: try SigningSecret(String(repeating: "s", count: 32), field: "secret"), createdAt: Self.epoch)
            let hourLater = Self.epoch.addingTimeInterval(3600)
            let store = try SQLiteOrderStore(path: path)
            try await store.createSubscription(subscription)
            let order = Order(
                id: OrderID(), userId: UserID(),
                items: [OrderItem(productId: "p", name: "n", quantity: 1, unitPrice: .zero)],
                deliveryAddress: "a", status: .pending, currency: .usd, total: .zero, createdAt: Self.epoch,
                updatedAt: Self.epoch)
            _ = try await store.insert(order, idempotency: nil, now: Self.epoch)
            let claimed = try await store.claimDeliveries(
                of: subscription.id, limit: 10, now: Self.epoch, leaseEnd: hourLater)
            #expect(claimed.map(\.event.orderId) == [order.id])
            try store.close()

            let reopened = try SQLiteOrderStore(path: path)
            let again = try await reopened.claimDeliveries(
                of: subscription.id, limit: 10, now: Self.epoch, leaseEnd: hourLater)
            #expect(again.map(\.delivery.id) == claimed.map(\.delivery.id))
            // The new claim holds as any claim does.
            let meanwhile = try await reopened.claimDeliveries(
                of: subscription.id, limit: 10, now: Self.epoch, leaseEnd: hourLater)
            #expect(meanwhile.isEmpty)
            try reopened.close()
        }
    }

    /// What placements took, and what each order took to put back, is in the file: a cancel after reopening
    /// puts back exactly what its placement took.
    @Test func stockAndWhatOrdersTookSurviveReopening() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appending(path: "orders.sqlite").path
            let userId = UserID()
            let pricing = CatalogPricing(
                lines: [.init(productId: "mug", quantity: 2, requestedPrice: nil)], requestedCurrency: nil)
            let asked = Order(
                id: OrderID(), userId: userId, items: [], deliveryAddress: "a", status: .pending, currency: .usd,
                total: .zero, createdAt: Self.epoch, updatedAt: Self.epoch)
            var placed: Order?
            do {
                let store = try SQLiteOrderStore(path: path)
                _ = try await store.putProduct(
                    Product(
                        id: "mug", name: "Mug", price: Money(minorUnits: 800), currency: .usd, active: true,
                        updatedAt: Self.epoch, stock: 5))
                if case .created(let order) = try await store.insert(
                    asked, idempotency: nil, now: Self.epoch, token: nil, pricing: pricing)
                {
                    placed = order
                }
                try store.close()
            }
            let order = try #require(placed)
            let reopened = try SQLiteOrderStore(path: path)
            #expect(try await reopened.product("mug")?.stock == 3)
            let cancelled = try await reopened.transition(
                order, to: OrderHistoryEntry(status: .cancelled, at: Self.epoch, by: .customer))
            #expect(cancelled != nil)
            #expect(try await reopened.product("mug")?.stock == 5)
        }
    }

    /// Inserts that share a transaction (group commit) keep their own answers: a tombstoned user's insert
    /// fails alone, and two inserts with one key in one batch make one order.
    @Test func insertsCommittedTogetherKeepTheirOwnAnswers() async throws {
        try await withTemporaryDirectory { directory in
            let store = try SQLiteOrderStore(path: directory.appending(path: "orders.sqlite").path)
            let gone = UserID()
            _ = try await store.purge(gone, at: Date(millisecondsSince1970: 1_000))
            let live = UserID()
            let now = Date(millisecondsSince1970: 2_000)
            let key = try IdempotencyKey("shared-key")
            let outcomes = await withTaskGroup(of: (String, Result<OrderInsertion, any Error>).self) { group in
                for index in 0..<40 {
                    group.addTask {
                        let user = index == 7 ? gone : live
                        let order = Order(
                            id: OrderID(), userId: user,
                            items: [
                                OrderItem(productId: "p", name: "n", quantity: 1, unitPrice: Money(minorUnits: 100))
                            ],
                            deliveryAddress: "a", status: .pending, currency: .usd, total: Money(minorUnits: 100),
                            createdAt: now, updatedAt: now)
                        let record =
                            index < 2
                            ? IdempotencyRecord(
                                userId: live, key: key, fingerprint: "f", orderId: order.id,
                                expiresAt: now.addingTimeInterval(60)) : nil
                        do {
                            return ("\(index)", .success(try await store.insert(order, idempotency: record, now: now)))
                        } catch {
                            return ("\(index)", .failure(error))
                        }
                    }
                }
                return await group.reduce(into: [String: Result<OrderInsertion, any Error>]()) { $0[$1.0] = $1.1 }
            }
            if case .failure(let error as CommerceError) = outcomes["7"] {
                #expect(error.code == .notFound)
            } else {
                Issue.record("the tombstoned user's insert did not fail with notFound")
            }
            let created = outcomes.values.filter { if case .success(.created) = $0 { true } else { false } }
            let existing = outcomes.values.filter { if case .success(.existing) = $0 { true } else { false } }
            #expect(created.count == 38, "every live insert but one of the two sharing a key")
            #expect(existing.count == 1)
            #expect(try await store.orders(of: live, after: nil, limit: 100).count == 38)
            #expect(try await store.orders(of: gone, after: nil, limit: 100).isEmpty)
        }
    }

    /// The record is written before the order; an order row SQLite refuses (here, an id already taken)
    /// must take its record with it, or the key would answer with an order that was never placed.
    @Test func anOrderThatCannotBeStoredLeavesNoIdempotencyRecord() async throws {
        let store = try SQLiteOrderStore.inMemory()
        let now = Date(millisecondsSince1970: 2_000)
        let items = [OrderItem(productId: "p", name: "n", quantity: 1, unitPrice: Money(minorUnits: 100))]
        func order(_ id: OrderID, of userId: UserID, to address: String) -> Order {
            Order(
                id: id, userId: userId, items: items, deliveryAddress: address, status: .pending, currency: .usd,
                total: Money(minorUnits: 100), createdAt: now, updatedAt: now)
        }
        let first = order(OrderID(), of: UserID(), to: "here")
        _ = try await store.insert(first, idempotency: nil, now: now)
        let key = try IdempotencyKey("retry-1")
        let record = IdempotencyRecord(
            userId: first.userId, key: key, fingerprint: "f", orderId: first.id, expiresAt: now.addingTimeInterval(60))
        let sameId = order(first.id, of: first.userId, to: "elsewhere")
        await #expect(throws: (any Error).self) { try await store.insert(sameId, idempotency: record, now: now) }
        #expect(try await store.idempotentOrder(userId: first.userId, key: key, now: now, token: nil) == nil)
        #expect(try await store.orders(of: first.userId, after: nil, limit: 10) == [first])
    }

    /// A live record whose order row is gone (no purge leaves one; a file from before might) is no record:
    /// the key places a new order instead of answering with nothing, and then points at it. A replay reads its
    /// order apart from the placement's checks, so the two must agree.
    @Test func aRecordWhoseOrderIsGoneIsNoRecord() async throws {
        let store = try SQLiteOrderStore.inMemory()
        let now = Date(millisecondsSince1970: 2_000)
        let userId = UserID()
        let key = try IdempotencyKey("retry-1")
        func place() async throws -> OrderInsertion {
            let order = Order(
                id: OrderID(), userId: userId,
                items: [OrderItem(productId: "p", name: "n", quantity: 1, unitPrice: Money(minorUnits: 100))],
                deliveryAddress: "here", status: .pending, currency: .usd, total: Money(minorUnits: 100),
                createdAt: now, updatedAt: now)
            let record = IdempotencyRecord(
                userId: userId, key: key, fingerprint: "f", orderId: order.id, expiresAt: now.addingTimeInterval(60))
            return try await store.insert(order, idempotency: record, now: now)
        }
        guard case .created(let first) = try await place() else {
            Issue.record("the first placement")
            return
        }
        try await store.databaseWriter.write { db in
            try db.execute(sql: #"DELETE FROM "order" WHERE id = ?"#, arguments: [first.id.description])
        }
        guard case .created(let second) = try await place() else {
            Issue.record("a record without its order answered as a replay")
            return
        }
        guard case .existing(let replayed, let fingerprint) = try await place() else {
            Issue.record("the new record answers no replay")
            return
        }
        #expect(replayed == second && fingerprint == "f")
    }

    /// A database that fills up refuses the inserts that do not fit: every acknowledged order is stored, a
    /// refused one leaves neither its row nor its idempotency record, and once there is room again the store
    /// takes orders (no transaction was left open).
    @Test func aFullDatabaseStoresExactlyTheInsertsItAcknowledges() async throws {
        let store = try SQLiteOrderStore.inMemory()
        let userId = UserID()
        let now = Date(millisecondsSince1970: 2_000)
        func place(_ index: Int) async -> (OrderID, IdempotencyKey, Bool) {
            let order = Order(
                id: OrderID(), userId: userId,
                items: [OrderItem(productId: "p", name: "n", quantity: 1, unitPrice: Money(minorUnits: 100))],
                deliveryAddress: String(repeating: "a long delivery address, ", count: 20), status: .pending,
                currency: .usd, total: Money(minorUnits: 100), createdAt: now, updatedAt: now)
            let key = try! IdempotencyKey("key-\(index)")
            let record = IdempotencyRecord(
                userId: userId, key: key, fingerprint: "f", orderId: order.id, expiresAt: now.addingTimeInterval(60))
            let stored = (try? await store.insert(order, idempotency: record, now: now)) != nil
            return (order.id, key, stored)
        }
        /// Lets the database grow by `pages` more pages.
        func allowGrowth(by pages: Int) async throws {
            try await store.databaseWriter.writeWithoutTransaction { db in
                let count = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
                try db.execute(sql: "PRAGMA max_page_count = \(count + pages)")
            }
        }
        var outcomes = [await place(0), await place(1)]
        try await allowGrowth(by: 0)
        outcomes += await withTaskGroup(of: (OrderID, IdempotencyKey, Bool).self) { group in
            for index in 2..<50 { group.addTask { await place(index) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let acknowledged = Set(outcomes.filter(\.2).map(\.0))
        #expect(acknowledged.count < 50, "the database never filled up, so nothing was tested")
        #expect(Set(try await store.orders(of: userId, after: nil, limit: 100).map(\.id)) == acknowledged)
        for (_, key, acknowledged) in outcomes where !acknowledged {
            #expect(try await store.idempotentOrder(userId: userId, key: key, now: now, token: nil) == nil)
        }
        try await allowGrowth(by: 1000)
        let (id, _, storedAfter) = await place(50)
        #expect(storedAfter, "the store takes orders again once there is room")
        #expect(try await store.orders(of: userId, after: nil, limit: 100).map(\.id).contains(id))
    }

    @Test func twoHundredConcurrentPlacementsForTwentyUsersAllLandOnce() async throws {
        try await withTemporaryDirectory { directory in
            let store = try SQLiteOrderStore(path: directory.appending(path: "orders.sqlite").path)
            let service = OrderService(
                store: store, users: StaticUserServicePeer(), configuration: .init(pricing: .client),
                logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
            let users = (0..<20).map { _ in UserID() }
            let placed = try await withThrowingTaskGroup(of: OrderID.self) { group in
                for index in 0..<200 {
                    group.addTask {
                        try await service.place(
                            CommerceHarness.sampleOrder(), idempotencyKey: "order-\(index)",
                            as: .user(users[index % 20])
                        ).order.id
                    }
                }
                return try await group.reduce(into: [OrderID]()) { $0.append($1) }
            }
            #expect(Set(placed).count == 200)
            var listed: [OrderID] = []
            for user in users {
                let orders = try await store.orders(of: user, after: nil, limit: 100)
                #expect(orders.count == 10)
                listed += orders.map(\.id)
            }
            #expect(Set(listed) == Set(placed))
        }
    }

    /// A placed order's event has no row of its own, which its order's row tells (Documentation/Storage.md):
    /// its delivery reads the order; a later event, of an order its row no longer shows as it was then,
    /// keeps its data in its own row.
    @Test func aPlacedEventKeepsNoSecondCopyOfItsOrder() async throws {
        let store = try SQLiteOrderStore.inMemory()
        try await store.createSubscription(
            WebhookSubscription(
                url: URL(string: "https://hooks.example.com/orders")!, events: Set(OrderEventType.allCases),
                secret: try SigningSecret(String(repeating: "s", count: 32), field: "secret"), createdAt: Self.epoch))
        let order = Order(
            id: OrderID(), userId: UserID(),
            items: [OrderItem(productId: "p", name: "n", quantity: 1, unitPrice: .zero)],
            deliveryAddress: "a", status: .pending, currency: .usd, total: .zero, createdAt: Self.epoch,
            updatedAt: Self.epoch)
        guard case .created(let placed) = try await store.insert(order, idempotency: nil, now: Self.epoch) else {
            Issue.record("the order was not placed")
            return
        }
        #expect(
            try await store.transition(placed, to: OrderHistoryEntry(status: .confirmed, at: Self.epoch, by: .staff))
                != nil)
        let (lengths, toldByOrder) = try await store.databaseWriter.read { db in
            (
                try Dictionary(
                    uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT type, length(data) FROM orderEvent").map {
                        ($0[0] as String, $0[1] as Int)
                    }),
                try String.fetchAll(db, sql: "SELECT type FROM webhookDelivery WHERE toldByOrder = 1")
            )
        }
        #expect(lengths["order.placed"] == nil)
        #expect((lengths["order.confirmed"] ?? 0) > 0)
        #expect(toldByOrder == ["order.placed"])
    }

    @Test func importStoresEverythingOrNothing() async throws {
        let store = try SQLiteOrderStore.inMemory()
        let userId = UserID()
        let orders = (0..<50).map { index in
            Order(
                id: OrderID(), userId: userId,
                items: [OrderItem(productId: "p", name: "n", quantity: 1, unitPrice: .zero)],
                deliveryAddress: "a", status: .delivered, currency: .usd, total: .zero,
                createdAt: Self.epoch.addingTimeInterval(Double(index)), updatedAt: Self.epoch)
        }
        try await store.importOrders(orders)
        #expect(try await store.orders(of: userId, after: nil, limit: 100) == orders.reversed())

        let purged = UserID()
        _ = try await store.purge(purged, at: Self.epoch)
        var mixed = orders.map {
            Order(
                id: OrderID(), userId: UserID(), items: $0.items, deliveryAddress: "a", status: .pending,
                currency: .usd, total: .zero, createdAt: Self.epoch, updatedAt: Self.epoch)
        }
        mixed[25] = Order(
            id: OrderID(), userId: purged, items: orders[0].items, deliveryAddress: "a",
            status: .pending, currency: .usd, total: .zero, createdAt: Self.epoch, updatedAt: Self.epoch)
        let error = await #expect(throws: CommerceError.self) { try await store.importOrders(mixed) }
        #expect(error?.code == .notFound)
        #expect(try await store.orders(of: mixed[0].userId, after: nil, limit: 10).isEmpty, "nothing was stored")
    }

    @Test func aMissingDirectoryIsCreated() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appending(path: "nested/deeper/users.sqlite").path
            let store = try SQLiteUserStore(path: path)
            try await store.insert(Self.record())
            #expect(FileManager.default.fileExists(atPath: path))
        }
    }

    @Test func anUnwritablePathFailsWithAClearError() async throws {
        try await withTemporaryDirectory { directory in
            let file = directory.appending(path: "plain-file")
            try Data("x".utf8).write(to: file)
            let error = #expect(throws: CommerceError.self) {
                try SQLiteUserStore(path: file.appending(path: "users.sqlite").path)
            }
            #expect(error?.code == .unavailable)
            #expect(error?.message.contains("Cannot open the database at") == true)
        }
    }

    @Test func aFileThatIsNotADatabaseFailsWithAClearError() async throws {
        try await withTemporaryDirectory { directory in
            let file = directory.appending(path: "orders.sqlite")
            try Data(repeating: 0x42, count: 4096).write(to: file)
            let error = #expect(throws: CommerceError.self) { try SQLiteOrderStore(path: file.path) }
            #expect(error?.code == .unavailable)
            #expect(error?.message.contains("not a SQLite database") == true)
        }
    }

    @Test func aUserDatabaseFromSchemaV1IsMigrated() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appending(path: "users.sqlite").path
            let id = UserID()
            do {
                let old = try DatabaseQueue(path: path)
                try UserSchema.migrator.migrate(old, upTo: "v1-users")
                try await old.write { db in
                    try db.execute(
                        sql: """
                            INSERT INTO user (id, username, email, passwordHash, createdAt, updatedAt)
                            VALUES (?, 'Old', 'old@example.com', '$2b$04$hash', 1767225600000, 1767225600000)
                            """, arguments: [id.description])
                }
                #expect(try await old.read { try $0.tableExists("userDeletedEvent") } == false)
            }
            let store = try SQLiteUserStore(path: path)
            #expect(try await store.user(id: id)?.user.email.value == "old@example.com")
            #expect(try await store.delete(id, at: Self.epoch)?.userId == id)
            #expect(try await store.pendingEvents(limit: 10).count == 1)
        }
    }

    @Test func anOrderDatabaseFromSchemaV1IsMigrated() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appending(path: "orders.sqlite").path
            let userId = UserID()
            do {
                let old = try DatabaseQueue(path: path)
                try OrderSchema.migrator.migrate(old, upTo: "v1-orders")
                try await old.write { db in
                    try db.execute(
                        sql: """
                            INSERT INTO "order" (id, userId, items, deliveryAddress, status, currency, totalMinorUnits,
                                                 createdAt, updatedAt)
                            VALUES (?, ?, '[{"productId":"p","name":"n","quantity":1,"unitPriceMinorUnits":5}]',
                                    'a', 'shipped', 'EUR', 5, 1767225600000, 1767225600000)
                            """, arguments: [OrderID().description, userId.description])
                }
            }
            let store = try SQLiteOrderStore(path: path)
            let orders = try await store.orders(of: userId, after: nil, limit: 10)
            #expect(orders.map(\.status) == [.shipped])
            #expect(orders.first?.items.first?.unitPrice == Money(minorUnits: 5))
            #expect(try await store.purge(userId, at: Self.epoch) == 1)
            #expect(try await store.isTombstoned(userId))
        }
    }

    /// The time-ordered indexes were descending up to v10; ascending, a new order's entries go to their
    /// right-hand ends. Pages still come newest first, the next page after the cursor.
    @Test func orderIndexesFromSchemaV10BecomeAscendingAndPagesStayNewestFirst() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appending(path: "orders.sqlite").path
            let userId = UserID()
            let ids = (0..<3).map { _ in OrderID() }
            do {
                let old = try DatabaseQueue(path: path)
                try OrderSchema.migrator.migrate(old, upTo: "v10-order-event-trace-context")
                try await old.write { db in
                    for (index, id) in ids.enumerated() {
                        try db.execute(
                            sql: """
                                INSERT INTO "order" (id, userId, items, deliveryAddress, status, currency,
                                                     totalMinorUnits, createdAt, updatedAt)
                                VALUES (?, ?, '[{"productId":"p","name":"n","quantity":1,"unitPriceMinorUnits":5}]',
                                        'a', 'pending', 'EUR', 5, ?, ?)
                                """,
                            arguments: [
                                id.description, userId.description, 1_767_225_600_000 + index, 1_767_225_600_000,
                            ])
                    }
                }
            }
            let store = try SQLiteOrderStore(path: path)
            let descending = try await store.databaseWriter.read { db in
                try ["order_user_newest", "order_recent", "order_status"].map { index in
                    try Row.fetchAll(db, sql: "PRAGMA index_xinfo(\(index))").filter { $0["key"] == 1 }
                        .map { $0["desc"] as Int }
                }
            }
            #expect(descending == [[0, 0, 0], [0, 0], [0, 0, 0]])
            let first = try await store.orders(of: userId, after: nil, limit: 2)
            #expect(first.map(\.id) == [ids[2], ids[1]])
            let next = try await store.orders(of: userId, after: first.last?.cursor, limit: 2)
            #expect(next.map(\.id) == [ids[0]])
        }
    }

    /// Up to v11 a placed event its order's row told had a row with empty data; v12 folds it into its
    /// deliveries, which then read the order and keep the event's trace context.
    @Test func placedEventsFromSchemaV11AreToldByTheirDeliveries() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appending(path: "orders.sqlite").path
            let (orderId, eventId, subscription) = (OrderID(), EventID(), WebhookSubscriptionID())
            let trace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
            let at = Self.epoch.millisecondsSince1970
            do {
                let old = try DatabaseQueue(path: path)
                try OrderSchema.migrator.migrate(old, upTo: "v11-order-indexes-ascending")
                try await old.write { db in
                    try db.execute(
                        sql: """
                            INSERT INTO "order" (id, userId, items, deliveryAddress, status, currency,
                                                 totalMinorUnits, createdAt, updatedAt, history, version)
                            VALUES (?, ?, '[{"productId":"p","name":"n","quantity":1,"unitPriceMinorUnits":5}]',
                                    'a', 'pending', 'EUR', 5, ?, ?, ?, 1)
                            """,
                        arguments: [
                            orderId.description, UserID().description, at, at,
                            #"[{"status":"pending","at":\#(at),"by":"customer"}]"#,
                        ])
                    try db.execute(
                        sql: """
                            INSERT INTO webhookSubscription (id, url, events, secret, active, createdAt)
                            VALUES (?, 'https://hooks.example.com/orders', ',order.placed,', zeroblob(32), 1, ?)
                            """, arguments: [subscription.description, at])
                    try db.execute(
                        sql: "INSERT INTO orderEvent VALUES (?, 'order.placed', ?, 'u', ?, '', ?)",
                        arguments: [eventId.description, orderId.description, at, trace])
                    try db.execute(
                        sql: """
                            INSERT INTO webhookDelivery (id, subscriptionId, eventId, type, orderId, occurredAt,
                                                         status, attempts, nextAttemptAt)
                            VALUES (?, ?, ?, 'order.placed', ?, ?, 'pending', 0, ?)
                            """,
                        arguments: [
                            DeliveryID().description, subscription.description, eventId.description,
                            orderId.description, at, at,
                        ])
                }
            }
            let store = try SQLiteOrderStore(path: path)
            let claimed = try await store.claimDeliveries(
                of: subscription, limit: 10, now: Self.epoch, leaseEnd: Self.epoch.addingTimeInterval(60))
            #expect(claimed.map(\.event.id) == [eventId])
            #expect(claimed.first?.event.orderId == orderId)
            #expect(claimed.first?.event.traceContext == trace)
            let eventRows = try await store.databaseWriter.read { db in
                try Int.fetchOne(db, sql: "SELECT count(*) FROM orderEvent")
            }
            #expect(eventRows == 0)
        }
    }

    @Test(arguments: SQLiteDurability.allCases)
    func filesUseWALWithTheChosenSynchronousLevel(_ durability: SQLiteDurability) async throws {
        try await withTemporaryDirectory { directory in
            let store = try SQLiteOrderStore(path: directory.appending(path: "o.sqlite").path, durability: durability)
            let (mode, synchronous, tempStore) = try await store.databaseWriter.write { db in
                (
                    try String.fetchOne(db, sql: "PRAGMA journal_mode"),
                    try Int.fetchOne(db, sql: "PRAGMA synchronous"),
                    try Int.fetchOne(db, sql: "PRAGMA temp_store")
                )
            }
            #expect(mode == "wal")
            #expect(synchronous == (durability == .full ? 2 : 1))
            #expect(tempStore == 2, "savepoint journals in memory, not a temporary file written page by page")
        }
    }

    @Test func everyLookupUsesAnIndex() async throws {
        let users = try SQLiteUserStore.inMemory()
        let orders = try SQLiteOrderStore.inMemory()
        func plan(_ writer: any DatabaseWriter, _ sql: String) async throws -> String {
            try await writer.read { db in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql).map { $0["detail"] as String }
                    .joined(separator: "; ")
            }
        }
        let lookups: [(any DatabaseWriter, String)] = [
            (users.databaseWriter, "SELECT * FROM user WHERE email = 'a@b.co'"),
            (users.databaseWriter, "SELECT * FROM user WHERE id = 'x'"),
            (users.databaseWriter, "SELECT id FROM outboxEvent ORDER BY occurredAt, sequence LIMIT 10"),
            (orders.databaseWriter, "SELECT voidBefore FROM tokenRevocation WHERE userId = 'u'"),
            (
                orders.databaseWriter,
                #"SELECT * FROM "order" WHERE userId = 'u' ORDER BY createdAt DESC, id DESC LIMIT 20"#
            ),
            (
                orders.databaseWriter,
                #"SELECT * FROM "order" WHERE userId = 'u' AND (createdAt, id) < (1, 'x') ORDER BY createdAt DESC, id DESC LIMIT 20"#
            ),
            (orders.databaseWriter, "SELECT 1 FROM tombstone WHERE userId = 'u'"),
            // The staff-wide lists, newest first: every order, one status, and their next pages.
            (orders.databaseWriter, #"SELECT * FROM "order" ORDER BY createdAt DESC, id DESC LIMIT 20"#),
            (
                orders.databaseWriter,
                #"SELECT * FROM "order" WHERE (createdAt, id) < (1, 'x') ORDER BY createdAt DESC, id DESC LIMIT 20"#
            ),
            (
                orders.databaseWriter,
                #"SELECT * FROM "order" WHERE status = 'shipped' ORDER BY createdAt DESC, id DESC LIMIT 20"#
            ),
            (
                orders.databaseWriter,
                #"SELECT * FROM "order" WHERE status = 'shipped' AND (createdAt, id) < (1, 'x') ORDER BY createdAt DESC, id DESC LIMIT 20"#
            ),
            (orders.databaseWriter, #"SELECT * FROM "order" WHERE id = 'o' AND userId = 'u'"#),
            (orders.databaseWriter, "SELECT * FROM idempotencyRecord WHERE userId = 'u' AND key = 'k'"),
            // A placement's checks: the token's mark, the tombstone, a live record; then a replay's order
            // (their parameters given as values, as the plan is read without arguments).
            (orders.databaseWriter, OrderPlacement.checksSQL.replacingOccurrences(of: "?", with: "'x'")),
            (orders.databaseWriter, OrderPlacement.previousSQL.replacingOccurrences(of: "?", with: "'x'")),
            // A lane's claim, with the events and the orders whose rows tell placed events.
            (orders.databaseWriter, SQLiteWebhooks.claimSQL.replacingOccurrences(of: "?", with: "'x'")),
            // The claims a stopped process left, ended when the file is opened.
            (orders.databaseWriter, SQLiteWebhooks.endClaimsSQL),
            // A user's deletion: their orders' deliveries not yet delivered, then their events.
            (orders.databaseWriter, SQLiteWebhooks.failUndeliveredSQL.replacingOccurrences(of: "?", with: "'u'")),
            (orders.databaseWriter, "SELECT id FROM orderEvent WHERE userId = 'u' AND orderId IS NOT NULL"),
            // A lane's pending deliveries counted for the backlog's gauge.
            (orders.databaseWriter, "SELECT count(*) FROM webhookDelivery WHERE status = 'pending'"),
        ]
        for (writer, sql) in lookups {
            let detail = try await plan(writer, sql)
            #expect(!detail.contains("SCAN") || detail.contains("USING"), "\(sql): \(detail)")
            #expect(!detail.contains("TEMP B-TREE"), "\(sql) sorts without an index: \(detail)")
        }
    }
}
