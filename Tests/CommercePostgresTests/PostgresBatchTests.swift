import CommerceCore
import CommerceStoreRows
import CommerceTesting
import Foundation
import PostgresNIO
import Testing

@testable import CommercePostgres

/// The statements that carry a batch (``PostgresBatcher``): each request in a batch gets what it would have
/// got alone.
@Suite(
    "PostgreSQL batches answer each request as alone",
    .enabled(if: PostgresTestDatabase.url != nil, PostgresTestDatabase.skipReason))
struct PostgresBatchTests {
    static let epoch = Date(millisecondsSince1970: 1_767_225_600_000)
    static let logger = PostgresTestDatabase.quiet

    static func order(of userId: UserID, minutes: Double = 0, address: String = "1 Main St") -> Order {
        let at = epoch.addingTimeInterval(minutes * 60)
        return Order(
            id: OrderID(timeOrderedAt: at), userId: userId,
            items: [OrderItem(productId: "tea", name: "Tea", quantity: 2, unitPrice: Money(minorUnits: 450))],
            deliveryAddress: address, status: .pending, currency: CurrencyCode(trusted: "EUR"),
            total: Money(minorUnits: 900), createdAt: at, updatedAt: at)
    }

    static func record(_ order: Order, key: String) throws -> IdempotencyRecord {
        IdempotencyRecord(
            userId: order.userId, key: try IdempotencyKey(key), fingerprint: "fp-\(key)", orderId: order.id,
            expiresAt: epoch.addingTimeInterval(86_400))
    }

    static func placement(
        _ order: Order, key: String? = nil, token: CallerToken? = nil, pricing: CatalogPricing? = nil
    ) throws -> PostgresPlaceOrderStatement {
        try PostgresOrderStore.placement(
            order, idempotency: try key.map { try record(order, key: $0) }, now: epoch, token: token, pricing: pricing)
    }

    /// Catalog pricing of `quantity` of `product`.
    static func pricing(_ product: String, quantity: Int = 3) -> CatalogPricing {
        CatalogPricing(
            lines: [CatalogPricing.Line(productId: product, quantity: quantity, requestedPrice: nil)],
            requestedCurrency: nil)
    }

    @Test func aBatchOfPagesAnswersEachPageAsItsOwnStatementDoes() async throws {
        try await PostgresTestDatabase.withIsolatedClient { client in
            let store = PostgresOrderStore(client: client)
            try await store.migrate()
            let (ann, bob, gone, nobody) = (UserID(), UserID(), UserID(), UserID())
            var anns: [Order] = []
            for minute in 0..<3 {
                let order = Self.order(of: ann, minutes: Double(minute))
                _ = try await store.insert(order, idempotency: nil, now: Self.epoch)
                anns.append(order)
            }
            _ = try await store.insert(Self.order(of: bob), idempotency: nil, now: Self.epoch)
            _ = try await store.insert(Self.order(of: gone), idempotency: nil, now: Self.epoch)
            _ = try await store.purge(gone, at: Self.epoch)
            let voidBefore = try await store.revokeTokens(of: bob, issuedBefore: Self.epoch)
            let pages = [
                PostgresUserPageStatement(tokenUser: ann.uuid, userId: ann.uuid, status: nil, cursor: nil, limit: 10),
                PostgresUserPageStatement(tokenUser: nil, userId: ann.uuid, status: nil, cursor: nil, limit: 2),
                PostgresUserPageStatement(
                    tokenUser: nil, userId: ann.uuid, status: nil,
                    cursor: OrderCursor(createdAt: anns[2].createdAt, id: anns[2].id), limit: 10),
                PostgresUserPageStatement(
                    tokenUser: ann.uuid, userId: ann.uuid, status: "shipped", cursor: nil, limit: 10),
                PostgresUserPageStatement(tokenUser: bob.uuid, userId: bob.uuid, status: nil, cursor: nil, limit: 10),
                PostgresUserPageStatement(tokenUser: ann.uuid, userId: gone.uuid, status: nil, cursor: nil, limit: 10),
                PostgresUserPageStatement(
                    tokenUser: nil, userId: nobody.uuid, status: "pending", cursor: nil, limit: 10),
            ]

            let batch = try await PostgresOrderStore.pages(
                pages, database: PostgresDatabase(client), logger: Self.logger)

            #expect(batch.count == pages.count)
            for (index, page) in pages.enumerated() {
                let alone = try #require(
                    try await PostgresOrderStore.pages([page], database: PostgresDatabase(client), logger: Self.logger)
                        .first)
                let (together, byItself) = (batch[index], alone)
                #expect(Set(together.orders) == Set(byItself.orders), "page \(index)'s orders")
                #expect(together.voidBefore == byItself.voidBefore, "page \(index)'s mark")
                #expect(together.tombstoned == byItself.tombstoned, "page \(index)'s tombstone")
            }
            // What each page holds, so that the comparison above compares something.
            #expect(batch.map(\.orders.count) == [3, 2, 2, 0, 1, 0, 0])
            #expect(Set(batch[1].orders.map(\.id)) == [anns[2].id, anns[1].id], "a limit of two: the newest two")
            #expect(batch[4].voidBefore == voidBefore.millisecondsSince1970)
            #expect(batch.map(\.tombstoned) == [false, false, false, false, false, true, false])
        }
    }

    @Test func aBatchOfPlacementsDecidesEachAsAlone() async throws {
        try await PostgresTestDatabase.withIsolatedClient { client in
            let store = PostgresOrderStore(client: client)
            try await store.migrate()
            let (ann, bob, gone) = (UserID(), UserID(), UserID())
            _ = try await store.purge(gone, at: Self.epoch)
            _ = try await store.revokeTokens(of: bob, issuedBefore: Self.epoch)
            _ = try await store.putProduct(
                Product(
                    id: "tea", name: "Tea", price: Money(minorUnits: 450), currency: CurrencyCode(trusted: "EUR"),
                    active: true, updatedAt: Self.epoch))
            let subscription = WebhookSubscription(
                url: URL(string: "https://hooks.example.com/orders")!, events: [.placed],
                secret: try SigningSecret(String(repeating: "s", count: 32), field: "secret"), createdAt: Self.epoch)
            try await store.createSubscription(subscription)
            let (first, second, unkeyed) = (Self.order(of: ann), Self.order(of: ann), Self.order(of: ann))
            let priced = Self.order(of: ann)
            let placements = [
                try Self.placement(first, key: "k1"),
                try Self.placement(second, key: "k1"),
                try Self.placement(unkeyed),
                try Self.placement(
                    Self.order(of: bob), token: CallerToken(userId: bob, issuedAt: Self.epoch.addingTimeInterval(-60))),
                try Self.placement(Self.order(of: gone), key: "k1"),
                try Self.placement(priced, key: "k2", pricing: Self.pricing("tea")),
                try Self.placement(Self.order(of: ann), pricing: Self.pricing("no-such-product")),
            ]

            let answers = try await PostgresOrderStore.place(
                placements, database: PostgresDatabase(client), logger: Self.logger
            )
            .map { try $0.get() }

            #expect(
                answers.map(\.name) == [
                    "created", "existing", "created", "revoked", "tombstoned", "created", "unpriceable",
                ])
            if case .existing(let orderId, let fingerprint) = answers[1] {
                #expect(orderId == first.id.uuid, "the second placement with the key answers the first's order")
                #expect(fingerprint == "fp-k1")
            }
            if case .created(let priced?) = answers[5] {
                #expect(priced.currency == "EUR" && priced.total == 1350, "three teas at the catalog's price")
            } else {
                Issue.record("the catalog-priced placement answered no prices")
            }
            let stored = try await store.orders(of: ann, status: nil, after: nil, limit: 10)
            #expect(Set(stored.map(\.id)) == [first.id, unkeyed.id, priced.id])
            #expect(try await store.orders(of: bob, status: nil, after: nil, limit: 10).isEmpty)
            // One event for each order created, none for the key's second placement, in the order the batch
            // placed them (those without a key first, then by key: `place`), each with the order as stored.
            let claimed = try await store.claimDeliveries(
                of: subscription.id, limit: 10, now: Self.epoch, leaseEnd: Self.epoch.addingTimeInterval(60))
            #expect(claimed.map(\.event.orderId) == [unkeyed.id, first.id, priced.id])
            for try await (events, deliveries) in try await client.query(
                "SELECT (SELECT count(*) FROM order_events), (SELECT count(*) FROM webhook_deliveries)"
            ).decode((Int64, Int64).self) {
                #expect(events == 3 && deliveries == 3, "no delivery twice for the key's second placement")
            }
            if case .order(let order) = claimed.last?.event.data {
                #expect(order.total == Money(minorUnits: 1350) && order.items.map(\.name) == ["Tea"])
            } else {
                Issue.record("the catalog-priced order's event holds no order")
            }
        }
    }

    /// Puts `tea` (EUR 4.50, its stock tracked at `teaStock`) and `mug` (EUR 12.00, untracked) in the catalog.
    static func stockTeaAndMugs(_ store: PostgresOrderStore, teaStock: Int) async throws {
        for (id, price, stock) in [("tea", Int64(450), Optional(teaStock)), ("mug", 1200, nil)] {
            _ = try await store.putProduct(
                Product(
                    id: id, name: id.capitalized, price: Money(minorUnits: price),
                    currency: CurrencyCode(trusted: "EUR"), active: true, updatedAt: Self.epoch, stock: stock))
        }
    }

    /// A batch with nothing to refuse and nothing to replay (`commerce_place_orders` places it set-based):
    /// every order priced, stocked and keyed as alone, one product named twice in an order taken once for both.
    @Test func aPlainBatchIsPricedStockedAndKeyedAsEachAlone() async throws {
        try await PostgresTestDatabase.withIsolatedClient { client in
            let store = PostgresOrderStore(client: client)
            try await store.migrate()
            try await Self.stockTeaAndMugs(store, teaStock: 6)
            let (ann, bob) = (UserID(), UserID())
            let (teas, mixed, clientPriced) = (Self.order(of: ann), Self.order(of: bob), Self.order(of: ann))
            let twiceTea = CatalogPricing(
                lines: [
                    CatalogPricing.Line(productId: "tea", quantity: 2, requestedPrice: Money(minorUnits: 450)),
                    CatalogPricing.Line(productId: "mug", quantity: 1, requestedPrice: nil),
                    CatalogPricing.Line(productId: "tea", quantity: 1, requestedPrice: nil),
                ],
                requestedCurrency: CurrencyCode(trusted: "EUR"))
            let placements = [
                try Self.placement(teas, key: "k1", pricing: Self.pricing("tea")),
                try Self.placement(mixed, pricing: twiceTea),
                try Self.placement(clientPriced, key: "k2"),
            ]

            let answers = try await PostgresOrderStore.place(
                placements, database: PostgresDatabase(client), logger: Self.logger
            )
            .map { try $0.get() }

            #expect(answers.map(\.name) == ["created", "created", "created"])
            if case .created(let priced?) = answers[0] {
                #expect(priced.currency == "EUR" && priced.total == 1350, "three teas at the catalog's price")
            } else {
                Issue.record("the first placement answered no prices")
            }
            if case .created(let priced?) = answers[1] {
                let items = try StoredOrderItems.decode(priced.items)
                #expect(items.map(\.productId) == ["tea", "mug", "tea"] && items.map(\.quantity) == [2, 1, 1])
                #expect(priced.total == 2 * 450 + 1200 + 450)
            } else {
                Issue.record("the second placement answered no prices")
            }
            #expect(try await store.product("tea")?.stock == 0, "six teas taken from six, each line once")
            var taken: [String?] = []
            for try await stockTaken in try await client.query(
                "SELECT stock_taken FROM orders WHERE id = \(mixed.id.uuid)"
            ).decode(String?.self) {
                taken.append(stockTaken)
            }
            #expect(taken == [#"{"tea": 3}"#], "what the order took, to put back once")
            for order in [teas, clientPriced] {
                let key = order.id == teas.id ? "k1" : "k2"
                let record = try await store.idempotentOrder(
                    userId: ann, key: try IdempotencyKey(key), now: Self.epoch, token: nil)
                #expect(record?.order.id == order.id && record?.fingerprint == "fp-\(key)")
            }
            #expect(try await store.orders(of: ann, status: nil, after: nil, limit: 10).count == 2)
        }
    }

    /// A batch whose placements together want more of a product than its stock holds is placed one
    /// placement after another: those that fit are stored, the rest refused, and nothing is oversold.
    @Test func aBatchThatWouldOversellPlacesEachInTurn() async throws {
        try await PostgresTestDatabase.withIsolatedClient { client in
            let store = PostgresOrderStore(client: client)
            try await store.migrate()
            try await Self.stockTeaAndMugs(store, teaStock: 5)
            let orders = [Self.order(of: UserID()), Self.order(of: UserID()), Self.order(of: UserID())]
            let placements = try orders.map { try Self.placement($0, pricing: Self.pricing("tea", quantity: 2)) }

            let answers = try await PostgresOrderStore.place(
                placements, database: PostgresDatabase(client), logger: Self.logger
            )
            .map { try $0.get() }

            #expect(answers.map(\.name) == ["created", "created", "unpriceable"])
            #expect(try await store.product("tea")?.stock == 1)
        }
    }

    /// Two replicas, one key. Another replica's transaction stores the key and its order after this batch
    /// found no record of it, so the batch's set-based insert of the key waits for that transaction, and
    /// fails with a unique violation once it commits. The batch is then placed one placement at a time: the
    /// key's placement answers the other replica's order, and the rest are stored.
    @Test func aKeyAnotherReplicaStoresMeanwhileAnswersItsOrder() async throws {
        try await PostgresTestDatabase.withIsolatedClient { client in
            let store = PostgresOrderStore(client: client)
            try await store.migrate()
            let ann = UserID()
            let (theirs, ours, other) = (Self.order(of: ann), Self.order(of: ann), Self.order(of: ann))
            let expiresAt = Self.epoch.addingTimeInterval(86_400).millisecondsSince1970
            try await client.withConnection { replica in
                var replicaPID: Int32 = 0
                for try await pid in try await replica.query("SELECT pg_backend_pid()", logger: Self.logger)
                    .decode(Int32.self)
                {
                    replicaPID = pid
                }
                _ = try await replica.query("BEGIN", logger: Self.logger)
                _ = try await replica.query(
                    """
                    INSERT INTO orders (id, user_id, items, delivery_address, status, currency, total_minor_units,
                                        created_at, updated_at)
                    VALUES (\(theirs.id.uuid), \(ann.uuid), '[]', '1 Main St', 'pending', 'EUR', 900, 0, 0)
                    """, logger: Self.logger)
                _ = try await replica.query(
                    """
                    INSERT INTO idempotency_records (user_id, key, fingerprint, order_id, expires_at)
                    VALUES (\(ann.uuid), 'k1', 'fp-theirs', \(theirs.id.uuid), \(expiresAt))
                    """, logger: Self.logger)
                let placements = [try Self.placement(ours, key: "k1"), try Self.placement(other, key: "k2")]
                let batch = Task {
                    await PostgresOrderStore.place(placements, database: PostgresDatabase(client), logger: Self.logger)
                }
                let waiting = try await eventually(timeout: .seconds(10)) {
                    var blocked: Int64 = 0
                    for try await count in try await client.query(
                        "SELECT count(*) FROM pg_stat_activity WHERE \(replicaPID) = ANY (pg_blocking_pids(pid))",
                        logger: Self.logger
                    ).decode(Int64.self) {
                        blocked = count
                    }
                    return blocked > 0
                }
                #expect(waiting, "the batch never waited for the other replica's key")
                _ = try await replica.query("COMMIT", logger: Self.logger)

                let answers = try await batch.value.map { try $0.get() }

                #expect(answers.map(\.name) == ["existing", "created"])
                if case .existing(let orderId, let fingerprint) = answers[0] {
                    #expect(orderId == theirs.id.uuid && fingerprint == "fp-theirs")
                }
                let stored = try await store.orders(of: ann, status: nil, after: nil, limit: 10)
                #expect(Set(stored.map(\.id)) == [theirs.id, other.id], "the key's placement stored no order")
            }
        }
    }

    @Test func aPlacementPostgreSQLRefusesFailsAloneAndTheRestAreStored() async throws {
        try await PostgresTestDatabase.withIsolatedClient { client in
            let store = PostgresOrderStore(client: client)
            try await store.migrate()
            let ann = UserID()
            // PostgreSQL's text holds no NUL character: it refuses the value, and with it the whole statement.
            let (before, refused, after) = (
                Self.order(of: ann), Self.order(of: ann, address: "1 Main St\u{0}"), Self.order(of: ann)
            )
            let placements = [
                try Self.placement(before, key: "k1"), try Self.placement(refused, key: "k2"),
                try Self.placement(after),
            ]

            let answers = await PostgresOrderStore.place(
                placements, database: PostgresDatabase(client), logger: Self.logger)

            if case .created = try answers[0].get() {} else { Issue.record("the placement before was not created") }
            #expect(throws: (any Error).self) { try answers[1].get() }
            if case .created = try answers[2].get() {} else { Issue.record("the placement after was not created") }
            let stored = try await store.orders(of: ann, status: nil, after: nil, limit: 10)
            #expect(Set(stored.map(\.id)) == [before.id, after.id])
            let record = try await store.idempotentOrder(
                userId: ann, key: try IdempotencyKey("k2"), now: Self.epoch, token: nil)
            #expect(record == nil, "the refused placement left no idempotency record")
        }
    }
}
