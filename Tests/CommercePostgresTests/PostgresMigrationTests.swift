import CommerceCore
import CommercePostgres
import CommerceStoreRows
import CommerceTesting
import Foundation
import PostgresNIO
import Testing

@Suite(
    "PostgreSQL migrations when replicas start together",
    .enabled(if: PostgresTestDatabase.url != nil, PostgresTestDatabase.skipReason))
struct PostgresMigrationTests {
    static func versions(_ client: PostgresClient) async throws -> [String] {
        var versions: [String] = []
        for try await version in try await client.query("SELECT version FROM schema_migrations").decode(String.self) {
            versions.append(version)
        }
        return versions.sorted()
    }

    @Test func manyReplicasMigratingAtOnceApplyEachMigrationOnce() async throws {
        try await PostgresTestDatabase.withIsolatedClient { client in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<6 {
                    group.addTask { try await PostgresUserStore(client: client).migrate() }
                    group.addTask { try await PostgresOrderStore(client: client).migrate() }
                }
                try await group.waitForAll()
            }
            #expect(
                try await Self.versions(client) == [
                    "v1-orders", "v1-users", "v10-time-ordered-event-ids", "v11-order-event-trace-context",
                    "v12-placement-by-product-key", "v13-placements-set-based",
                    "v2-deletion-outbox",
                    "v2-idempotency-expiry", "v3-order-lifecycle",
                    "v3-user-role", "v4-sessions", "v4-token-revocation", "v5-catalog",
                    "v5-outbox-kinds", "v6-password-resets", "v6-place-order", "v7-outbox-lanes",
                    "v7-tombstones-without-time", "v8-login-failures", "v8-stock", "v9-outbox-trace-context",
                    "v9-webhooks",
                ])
            // And the schema works: a user goes in and comes back.
            let users = PostgresUserStore(client: client)
            let now = Date(millisecondsSince1970: 1_767_225_600_000)
            let user = User(
                id: UserID(), username: Username(trusted: "Ann"), email: EmailAddress(trusted: "ann@example.com"),
                createdAt: now, updatedAt: now)
            try await users.insert(UserRecord(user: user, passwordHash: "$2b$04$hash"))
            #expect(try await users.user(id: user.id)?.user == user)
            // Event ids begin with their time, as Swift's EventID(timeOrderedAt:) makes them.
            var made: [UUID] = []
            for try await id in try await client.query("SELECT commerce_uuid_v7(\(Int64(1_767_225_600_000)))")
                .decode(UUID.self)
            {
                made.append(id)
            }
            let swift = EventID(timeOrderedAt: now).description
            let text = try #require(made.first).uuidString.lowercased()
            #expect(text.prefix(15) == swift.prefix(15), "the time and the version: \(text) against \(swift)")
            #expect(["8", "9", "a", "b"].contains(text.dropFirst(19).prefix(1)), "the variant")
        }
    }

    /// An Order process of the previous version, during a rolling upgrade, calls the event-writing functions
    /// with the argument lists it knows: they still place and record, the events without a trace context.
    @Test func theFunctionsAsThePreviousVersionCallsThemStillPlaceAndRecord() async throws {
        try await PostgresTestDatabase.withIsolatedClient { client in
            let store = PostgresOrderStore(client: client)
            try await store.migrate()
            let subscription = WebhookSubscription(
                url: URL(string: "https://hooks.example.com/orders")!, events: [.placed, .shipped],
                secret: try SigningSecret(String(repeating: "s", count: 32), field: "secret"),
                createdAt: PostgresBatchTests.epoch)
            try await store.createSubscription(subscription)
            let order = PostgresBatchTests.order(of: UserID())
            let at = order.createdAt.millisecondsSince1970
            let (items, history) = (StoredOrderItems.encode(order.items), StoredOrderHistory.encode(order.history))
            var outcomes: [String] = []
            for try await outcome in try await client.query(
                """
                SELECT outcome FROM commerce_place_order(\(order.userId.description), \(order.id.uuid),
                    \(order.userId.uuid), NULL::uuid, NULL::bigint, \(items), NULL::jsonb, NULL::text,
                    \(order.deliveryAddress), 'pending', 'EUR', \(order.total.minorUnits), \(at), \(at), \(history),
                    \(Int64(order.version)), NULL::text, NULL::text, NULL::bigint, \(at))
                """
            ).decode(String.self) {
                outcomes.append(outcome)
            }
            // And as the version before this one calls it: with the trace context, without `p_record_event`.
            let traced = PostgresBatchTests.order(of: UserID(), minutes: 1)
            let (tracedAt, tracedHistory) = (
                traced.createdAt.millisecondsSince1970, StoredOrderHistory.encode(traced.history)
            )
            for try await outcome in try await client.query(
                """
                SELECT outcome FROM commerce_place_order(\(traced.userId.description), \(traced.id.uuid),
                    \(traced.userId.uuid), NULL::uuid, NULL::bigint, \(items), NULL::jsonb, NULL::text,
                    \(traced.deliveryAddress), 'pending', 'EUR', \(traced.total.minorUnits), \(tracedAt), \(tracedAt),
                    \(tracedHistory), \(Int64(traced.version)), NULL::text, NULL::text, NULL::bigint, \(tracedAt),
                    '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01')
                """
            ).decode(String.self) {
                outcomes.append(outcome)
            }
            #expect(outcomes == ["created", "created"])
            #expect(try await store.order(order.id, of: order.userId, token: nil) == order)
            #expect(try await store.order(traced.id, of: traced.userId, token: nil) == traced)
            let shipped = OrderEvent(type: .shipped, occurredAt: order.createdAt, data: .order(order))
            try await client.query(
                """
                SELECT commerce_record_order_event('order.shipped', \(order.id.uuid), \(order.userId.uuid), \(at),
                    \(StoredOrderEvent.encode(shipped.data)))
                """)
            let claimed = try await store.claimDeliveries(
                of: subscription.id, limit: 10, now: traced.createdAt, leaseEnd: traced.createdAt.addingTimeInterval(60)
            )
            #expect(claimed.map(\.event.type) == [.placed, .placed], "each order's events one at a time, oldest first")
            #expect(claimed.map(\.event.orderId) == [order.id, traced.id])
            #expect(
                claimed.map(\.event.traceContext) == [nil, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"])
        }
    }
}
