import CommerceCore
import CommerceStoreRows
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// Order events and their deliveries in the Order service's database. `commerce_record_order_event`
/// writes an event and its deliveries — one per active subscription that takes its type, none when none
/// does — in the transaction of the change that calls it: the transition's statement, the purge's
/// transaction. A placement's statement records its orders' events itself, in two inserts for all of them
/// (``PostgresPlacedEvents``), rows like those this function writes.
enum PostgresWebhooks {
    static let schema = [
        """
        CREATE TABLE webhook_subscriptions (
            id uuid PRIMARY KEY,
            url text NOT NULL,
            events text[] NOT NULL,
            secret bytea NOT NULL,
            active boolean NOT NULL,
            created_at bigint NOT NULL)
        """,
        """
        CREATE TABLE order_events (
            id uuid PRIMARY KEY,
            type text NOT NULL,
            order_id uuid,
            user_id uuid NOT NULL,
            occurred_at bigint NOT NULL,
            data text NOT NULL)
        """,
        "CREATE INDEX order_events_user ON order_events (user_id)",
        """
        CREATE TABLE webhook_deliveries (
            sequence bigserial PRIMARY KEY,
            id uuid NOT NULL UNIQUE,
            subscription_id uuid NOT NULL,
            event_id uuid NOT NULL,
            type text NOT NULL,
            order_id uuid,
            occurred_at bigint NOT NULL,
            status text NOT NULL,
            attempts integer NOT NULL,
            last_status_code integer,
            last_error text,
            next_attempt_at bigint,
            delivered_at bigint,
            lease_until bigint)
        """,
        "CREATE INDEX webhook_deliveries_lane ON webhook_deliveries (subscription_id, status, sequence)",
        "CREATE INDEX webhook_deliveries_order ON webhook_deliveries (subscription_id, order_id, sequence)",
        "CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id)",
        timeOrderedUUID,
        recordEvent,
    ]

    /// A UUID version 7 that begins with `p_ms` (milliseconds since 1970), as `init(timeOrderedAt:)` makes
    /// them in Swift: events and deliveries are written in time order, so their ids land on the index page
    /// the one before did, not on a random one (each page a transaction touches is written to the WAL).
    static let timeOrderedUUID = """
        CREATE OR REPLACE FUNCTION commerce_uuid_v7(p_ms bigint) RETURNS uuid LANGUAGE sql VOLATILE AS $$
            SELECT encode(
                set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) PLACING substring(int8send(p_ms) FROM 3)
                                        FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid
        $$
        """

    /// Records an event and its deliveries (see the type's comment).
    static let recordEvent = #"""
        CREATE OR REPLACE FUNCTION commerce_record_order_event(
            p_type text, p_order_id uuid, p_user_id uuid, p_occurred_at bigint, p_data text, p_trace_context text)
        RETURNS void LANGUAGE plpgsql AS $$
        DECLARE
            v_event uuid := commerce_uuid_v7(p_occurred_at);
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM webhook_subscriptions s WHERE s.active AND p_type = ANY (s.events)) THEN
                RETURN;
            END IF;
            INSERT INTO order_events (id, type, order_id, user_id, occurred_at, data, trace_context)
            VALUES (v_event, p_type, p_order_id, p_user_id, p_occurred_at, p_data, p_trace_context);
            INSERT INTO webhook_deliveries (id, subscription_id, event_id, type, order_id, occurred_at, status,
                                            attempts, next_attempt_at)
            SELECT commerce_uuid_v7(p_occurred_at), s.id, v_event, p_type, p_order_id, p_occurred_at, 'pending', 0,
                   p_occurred_at
            FROM webhook_subscriptions s WHERE s.active AND p_type = ANY (s.events) ORDER BY s.id;
        END;
        $$
        """#

    /// ``recordEvent`` as it was before it took a trace context, now calling the current one without (see
    /// ``PostgresPlaceOrder/previousVersion``).
    static let previousRecordEvent = """
        CREATE OR REPLACE FUNCTION commerce_record_order_event(
            p_type text, p_order_id uuid, p_user_id uuid, p_occurred_at bigint, p_data text)
        RETURNS void LANGUAGE sql AS $$
            SELECT commerce_record_order_event(p_type, p_order_id, p_user_id, p_occurred_at, p_data, NULL::text)
        $$
        """

    static let deliveryColumns = """
        d.id, d.subscription_id, d.event_id, d.type, d.order_id, d.occurred_at, d.status, d.attempts, \
        d.last_status_code, d.last_error, d.next_attempt_at, d.delivered_at, d.sequence
        """

    static func delivery(_ row: PostgresRow) throws -> (WebhookDelivery, sequence: Int64) {
        let (
            id, subscription, event, type, order, occurredAt, status, attempts, code, error, next, delivered, sequence
        ) =
            try row.decode(
                (UUID, UUID, UUID, String, UUID?, Int64, String, Int32, Int32?, String?, Int64?, Int64?, Int64).self)
        guard let type = OrderEventType(rawValue: type), let status = WebhookDelivery.Status(rawValue: status) else {
            throw CommerceError.internalFailure("A stored webhook delivery is not readable.")
        }
        return (
            WebhookDelivery(
                id: DeliveryID(uuid: id), subscriptionId: WebhookSubscriptionID(uuid: subscription),
                eventId: EventID(uuid: event), type: type, orderId: order.map(OrderID.init(uuid:)),
                occurredAt: Date(millisecondsSince1970: occurredAt), status: status, attempts: Int(attempts),
                lastStatusCode: code.map(Int.init), lastError: error,
                nextAttemptAt: next.map(Date.init(millisecondsSince1970:)),
                deliveredAt: delivered.map(Date.init(millisecondsSince1970:))),
            sequence
        )
    }

    static let subscriptionColumns = "id, url, events, secret, active, created_at"

    static func subscriptions(_ rows: [PostgresRow]) throws -> [WebhookSubscription] {
        var subscriptions: [WebhookSubscription] = []
        for (id, url, events, secret, active, createdAt) in try rows.decode(
            (UUID, String, [String], ByteBuffer, Bool, Int64).self)
        {
            guard let url = URL(string: url),
                let secret = try? SigningSecret(bytes: Array(buffer: secret), field: "secret")
            else {
                throw CommerceError.internalFailure("A stored webhook subscription is not readable.")
            }
            subscriptions.append(
                WebhookSubscription(
                    id: WebhookSubscriptionID(uuid: id), url: url,
                    events: Set(events.compactMap(OrderEventType.init(rawValue:))), secret: secret, active: active,
                    createdAt: Date(millisecondsSince1970: createdAt)))
        }
        return subscriptions
    }

    /// Records `event` (with its deliveries) on `connection`, in the caller's transaction.
    static func record(_ event: OrderEvent, _ connection: PostgresConnection, _ logger: Logger) async throws {
        let userId: UserID
        switch event.data {
        case .order(let order): userId = order.userId
        case .purged(let user, _, _): userId = user
        }
        try await connection.query(
            """
            SELECT commerce_record_order_event(\(event.type.rawValue), \(event.orderId?.uuid), \(userId.uuid),
                \(event.occurredAt.millisecondsSince1970), \(StoredOrderEvent.encode(event.data)),
                \(event.traceContext))
            """, logger: logger)
    }

    /// Fails the undelivered deliveries of `userId`'s order events and deletes those events, in the caller's
    /// transaction: nothing of a deleted user leaves after the deletion.
    static func forgetOrders(of userId: UserID, at date: Date, _ connection: PostgresConnection, _ logger: Logger)
        async throws
    {
        try await connection.query(
            """
            UPDATE webhook_deliveries SET status = 'failed', attempts = attempts + 1,
                last_error = 'The order''s user was deleted before it was delivered.', next_attempt_at = NULL,
                lease_until = NULL
            WHERE status <> 'delivered' AND event_id IN (
                SELECT id FROM order_events WHERE user_id = \(userId.uuid) AND order_id IS NOT NULL)
            """, logger: logger)
        try await connection.query(
            "DELETE FROM order_events WHERE user_id = \(userId.uuid) AND order_id IS NOT NULL", logger: logger)
    }
}

extension PostgresOrderStore: WebhookStore {
    /// See ``WebhookSubscriptionStore/createSubscription(_:)``.
    public func createSubscription(_ subscription: WebhookSubscription) async throws {
        let events = subscription.events.map(\.rawValue).sorted()
        try await translatingPostgresErrors {
            try await database.query(
                """
                INSERT INTO webhook_subscriptions (id, url, events, secret, active, created_at)
                VALUES (\(subscription.id.uuid), \(subscription.url.absoluteString), \(events),
                        \(ByteBuffer(bytes: subscription.secret.bytes)), \(subscription.active), \(subscription.createdAt.millisecondsSince1970))
                """, logger: logger)
        }
    }

    /// See ``WebhookSubscriptionStore/subscription(_:)``.
    public func subscription(_ id: WebhookSubscriptionID) async throws -> WebhookSubscription? {
        try await translatingPostgresErrors {
            try PostgresWebhooks.subscriptions(
                try await database.query(
                    """
                    SELECT \(unescaped: PostgresWebhooks.subscriptionColumns) FROM webhook_subscriptions
                    WHERE id = \(id.uuid)
                    """, logger: logger)
            ).first
        }
    }

    /// See ``WebhookSubscriptionStore/subscriptions(after:limit:)``: by id, as text (every store's order of ids).
    public func subscriptions(after: WebhookSubscriptionID?, limit: Int) async throws -> [WebhookSubscription] {
        try await translatingPostgresErrors {
            try PostgresWebhooks.subscriptions(
                try await database.query(
                    """
                    SELECT \(unescaped: PostgresWebhooks.subscriptionColumns) FROM webhook_subscriptions
                    WHERE id::text > \(after?.description ?? "") ORDER BY id::text LIMIT \(max(0, limit))
                    """, logger: logger))
        }
    }

    /// See ``WebhookSubscriptionStore/deleteSubscription(_:)``: its deliveries, and the events no delivery needs any more,
    /// in the same transaction.
    public func deleteSubscription(_ id: WebhookSubscriptionID) async throws -> Bool {
        try await translatingPostgresErrors {
            try await database.withTransaction(logger: logger) { connection -> Bool in
                let deleted = try await connection.query(
                    "DELETE FROM webhook_subscriptions WHERE id = \(id.uuid) RETURNING 1", logger: logger
                ).collect().count
                guard deleted == 1 else { return false }
                try await connection.query(
                    "DELETE FROM webhook_deliveries WHERE subscription_id = \(id.uuid)", logger: logger)
                try await connection.query(
                    """
                    DELETE FROM order_events e
                    WHERE NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id)
                    """, logger: logger)
                return true
            }
        }
    }

    /// See ``WebhookSubscriptionStore/disableSubscription(_:)``.
    public func disableSubscription(_ id: WebhookSubscriptionID) async throws {
        try await translatingPostgresErrors {
            try await database.query(
                "UPDATE webhook_subscriptions SET active = false WHERE id = \(id.uuid)", logger: logger)
        }
    }

    /// See ``WebhookDeliveryStore/deliveries(of:after:limit:)``: newest first, by `sequence`.
    public func deliveries(of subscription: WebhookSubscriptionID, after: DeliveryID?, limit: Int) async throws
        -> [WebhookDelivery]
    {
        try await translatingPostgresErrors {
            var deliveries: [WebhookDelivery] = []
            for row in try await database.query(
                """
                SELECT \(unescaped: PostgresWebhooks.deliveryColumns) FROM webhook_deliveries d
                WHERE d.subscription_id = \(subscription.uuid)
                  AND d.sequence < coalesce((SELECT sequence FROM webhook_deliveries WHERE id = \(after?.uuid)),
                                            9223372036854775807)
                ORDER BY d.sequence DESC LIMIT \(max(0, limit))
                """, logger: logger)
            {
                deliveries.append(try PostgresWebhooks.delivery(row).0)
            }
            return deliveries
        }
    }

    /// See ``WebhookDeliveryStore/claimDeliveries(of:limit:now:leaseEnd:)``: one statement — the due deliveries with no
    /// earlier pending one of their order, `FOR UPDATE SKIP LOCKED` so racing claims (any replica's) take
    /// different ones, leased until `leaseEnd`, with their events.
    public func claimDeliveries(of subscription: WebhookSubscriptionID, limit: Int, now: Date, leaseEnd: Date)
        async throws -> [(delivery: WebhookDelivery, event: OrderEvent)]
    {
        let now = now.millisecondsSince1970
        return try await translatingPostgresErrors {
            var claimed: [(sequence: Int64, delivery: WebhookDelivery, event: OrderEvent)] = []
            for row in try await database.query(
                """
                WITH candidates AS (
                    SELECT d.sequence FROM webhook_deliveries d
                    WHERE d.subscription_id = \(subscription.uuid) AND d.status = 'pending'
                      AND d.next_attempt_at <= \(now) AND (d.lease_until IS NULL OR d.lease_until <= \(now))
                      AND EXISTS (SELECT 1 FROM webhook_subscriptions s WHERE s.id = d.subscription_id AND s.active)
                      AND (d.order_id IS NULL OR NOT EXISTS (
                          SELECT 1 FROM webhook_deliveries e
                          WHERE e.subscription_id = d.subscription_id AND e.order_id = d.order_id
                            AND e.status = 'pending' AND e.sequence < d.sequence))
                    ORDER BY d.sequence LIMIT \(max(0, limit))
                    FOR UPDATE SKIP LOCKED)
                UPDATE webhook_deliveries d SET lease_until = \(leaseEnd.millisecondsSince1970)
                FROM candidates c WHERE d.sequence = c.sequence
                RETURNING \(unescaped: PostgresWebhooks.deliveryColumns),
                    (SELECT e.data FROM order_events e WHERE e.id = d.event_id),
                    (SELECT e.trace_context FROM order_events e WHERE e.id = d.event_id)
                """, logger: logger)
            {
                let (delivery, sequence) = try PostgresWebhooks.delivery(row)
                let columns = row.makeRandomAccess()
                guard let data = try columns[13].decode(String?.self) else { continue }
                let event = OrderEvent(
                    id: delivery.eventId, type: delivery.type, occurredAt: delivery.occurredAt,
                    data: try StoredOrderEvent.decode(data), traceContext: try columns[14].decode(String?.self))
                claimed.append((sequence, delivery, event))
            }
            return claimed.sorted { $0.sequence < $1.sequence }.map { ($0.delivery, $0.event) }
        }
    }

    /// See ``WebhookDeliveryStore/recordAttempts(_:at:)``: the pass's rows locked, changed as
    /// ``WebhookDelivery/applying(_:at:)`` says, and for `gone` the subscription turned off, all in one
    /// transaction of two statements (three with a `gone`), whatever the pass's size.
    public func recordAttempts(_ attempts: [(id: DeliveryID, outcome: DeliveryOutcome)], at date: Date) async throws {
        guard !attempts.isEmpty else { return }
        try await translatingPostgresErrors {
            try await database.withTransaction(logger: logger) { connection in
                // The pass's rows, locked in one statement (in sequence order, as every writer of them locks),
                // each changed as its attempts say, and all written back in one more: a statement a delivery
                // made the dispatcher's statements outnumber the placements' under load (scripts/bench).
                var current: [UUID: WebhookDelivery] = [:]
                for try await row in try await connection.query(
                    """
                    SELECT \(unescaped: PostgresWebhooks.deliveryColumns) FROM webhook_deliveries d
                    WHERE d.id = ANY(\(attempts.map(\.id.uuid))) ORDER BY d.sequence FOR UPDATE
                    """, logger: logger)
                {
                    let delivery = try PostgresWebhooks.delivery(row).0
                    current[delivery.id.uuid] = delivery
                }
                var gone: Set<UUID> = []
                for (id, outcome) in attempts {
                    guard let delivery = current[id.uuid] else { continue }
                    current[id.uuid] = delivery.applying(outcome, at: date)
                    if case .gone = outcome { gone.insert(delivery.subscriptionId.uuid) }
                }
                guard !current.isEmpty else { return }
                let next = Array(current.values)
                var bindings = PostgresBindings(capacity: 7)
                bindings.append(next.map(\.id.uuid))
                bindings.append(next.map(\.status.rawValue))
                bindings.append(next.map { Int64($0.attempts) })
                bindings.append(PostgresNullableArray(next.map { $0.lastStatusCode.map(Int64.init) }))
                bindings.append(PostgresNullableArray(next.map(\.lastError)))
                bindings.append(PostgresNullableArray(next.map { $0.nextAttemptAt?.millisecondsSince1970 }))
                bindings.append(PostgresNullableArray(next.map { $0.deliveredAt?.millisecondsSince1970 }))
                try await connection.query(
                    PostgresQuery(
                        unsafeSQL: """
                            UPDATE webhook_deliveries d SET status = a.status, attempts = a.attempts,
                                last_status_code = a.code, last_error = a.error, next_attempt_at = a.next,
                                delivered_at = a.delivered, lease_until = NULL
                            FROM unnest($1::uuid[], $2::text[], $3::int8[], $4::int8[], $5::text[], $6::int8[],
                                        $7::int8[]) AS a(id, status, attempts, code, error, next, delivered)
                            WHERE d.id = a.id
                            """, binds: bindings), logger: logger)
                if !gone.isEmpty {
                    try await connection.query(
                        "UPDATE webhook_subscriptions SET active = false WHERE id = ANY(\(Array(gone)))",
                        logger: logger)
                }
            }
        }
    }

    /// See ``WebhookDeliveryStore/retryDelivery(_:of:at:)``.
    public func retryDelivery(_ id: DeliveryID, of subscription: WebhookSubscriptionID, at date: Date) async throws
        -> Bool
    {
        try await translatingPostgresErrors {
            try await database.withTransaction(logger: logger) { connection -> Bool in
                let found = try await connection.query(
                    """
                    SELECT 1 FROM webhook_deliveries WHERE id = \(id.uuid) AND subscription_id = \(subscription.uuid)
                    FOR UPDATE
                    """, logger: logger
                ).collect().count
                guard found == 1 else { return false }
                try await connection.query(
                    """
                    UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = \(date.millisecondsSince1970)
                    WHERE id = \(id.uuid) AND status = 'failed'
                    """, logger: logger)
                return true
            }
        }
    }

    /// See ``WebhookDeliveryStore/deliveryBacklog()``: one statement (a scan of the pending deliveries; it
    /// serves a gauge refreshed every few seconds, so no index on the placement's path pays for it).
    public func deliveryBacklog() async throws -> OutboxBacklog {
        try await translatingPostgresErrors {
            for (count, oldest) in try await database.query(
                """
                SELECT count(*), min(d.occurred_at) FROM webhook_deliveries d
                JOIN webhook_subscriptions s ON s.id = d.subscription_id
                WHERE d.status = 'pending' AND s.active
                """, logger: logger
            ).decode((Int64, Int64?).self) {
                return OutboxBacklog(
                    count: Int(count), oldestOccurredAt: oldest.map(Date.init(millisecondsSince1970:)))
            }
            return .empty
        }
    }

    /// See ``WebhookDeliveryStore/forgetDeliveries(before:)``: one transaction; racing callers each delete
    /// what the other left (a row another deletes is skipped, not an error).
    public func forgetDeliveries(before cutoff: Date) async throws -> Int {
        try await translatingPostgresErrors {
            try await database.withTransaction(logger: logger) { connection -> Int in
                var forgotten = 0
                for try await count in try await connection.query(
                    """
                    WITH gone AS (
                        DELETE FROM webhook_deliveries
                        WHERE status <> 'pending' AND occurred_at < \(cutoff.millisecondsSince1970) RETURNING 1)
                    SELECT count(*) FROM gone
                    """, logger: logger
                ).decode(Int64.self) {
                    forgotten = Int(count)
                }
                try await connection.query(
                    """
                    DELETE FROM order_events e WHERE e.occurred_at < \(cutoff.millisecondsSince1970)
                    AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id)
                    """, logger: logger)
                return forgotten
            }
        }
    }
}
