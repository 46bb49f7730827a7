import CommerceCore
import CommerceStoreRows
import Foundation
import GRDB

/// Order events and their deliveries in the Order service's file, written in the transaction of the change
/// they tell of (``record(_:in:)`` is called from inside the placement's savepoint, a transition's or a
/// purge's write). The writer's queue runs outside the caller's task, so an event's trace context is taken
/// (``TraceContextText/current()``) before the write begins.
enum SQLiteWebhooks {
    /// The active subscriptions that take events of `type`.
    static func takers(of type: OrderEventType, in db: Database) throws -> [String] {
        try String.fetchAll(
            try db.cachedStatement(sql: "SELECT id FROM webhookSubscription WHERE active = 1 AND instr(events, ?) > 0"),
            arguments: [",\(type.rawValue),"])
    }

    /// Records `event` with a pending delivery for every active subscription that takes its type; nothing
    /// when none does.
    static func record(_ event: OrderEvent, in db: Database) throws {
        try record(event, to: try takers(of: event.type, in: db), in: db)
    }

    /// Records `event` with a pending delivery for each of `takers` (``takers(of:in:)``); `data`, asked for
    /// only when some subscription takes the event, is its data as stored when the caller can make it more
    /// cheaply than from the event (``StoredOrderEvent/encode(_:items:history:)``), or ``dataInOrderRow``
    /// for a placement its order's row will tell: then the event has no row of its own, and its deliveries
    /// (`toldByOrder = 1`) keep its trace context.
    ///
    /// Both statements are driven through SQLite's C API (``SQLiteRawStatement``), as the placement's own
    /// are: through GRDB's statements and arguments, binding was about 40 % of what recording an event cost
    /// the writer thread (Documentation/Performance.md, "Order events").
    static func record(
        _ event: OrderEvent, to takers: [String], data: @autoclosure () -> String? = nil, in db: Database
    ) throws {
        guard !takers.isEmpty else { return }
        let eventId = event.id.description
        let orderId = event.orderId?.description
        let occurredAt = event.occurredAt.millisecondsSince1970
        let data = data() ?? StoredOrderEvent.encode(event.data)
        let toldByOrder = data == dataInOrderRow
        if !toldByOrder {
            let userId: UserID
            switch event.data {
            case .order(let order): userId = order.userId
            case .purged(let user, _, _): userId = user
            }
            try SQLiteRawStatement(try db.cachedStatement(sql: insertEventSQL)).execute { arguments in
                try arguments.bind(eventId)
                try arguments.bind(event.type.rawValue)
                try arguments.bind(orderId)
                try arguments.bind(userId.description)
                try arguments.bind(occurredAt)
                try arguments.bind(data)
                try arguments.bind(event.traceContext)
            }
        }
        let insert = SQLiteRawStatement(try db.cachedStatement(sql: insertDeliverySQL))
        for subscription in takers.sorted() {
            try insert.execute { arguments in
                try arguments.bind(DeliveryID(timeOrderedAt: event.occurredAt).description)
                try arguments.bind(subscription)
                try arguments.bind(eventId)
                try arguments.bind(event.type.rawValue)
                try arguments.bind(orderId)
                try arguments.bind(occurredAt)
                try arguments.bind(occurredAt)
                try arguments.bind(toldByOrder ? 1 : Int64?.none)
                try arguments.bind(toldByOrder ? event.traceContext : nil)
            }
        }
    }

    /// What a placement passes as its event's data when its order's row tells it (``asPlaced(_:)``): the
    /// event then gets no row of its own, rather than the whole order written a second time in the
    /// placement's transaction.
    static let dataInOrderRow = ""

    /// Whether `order`, about to be placed, can be told again from its row later: ``asPlaced(_:)`` gives
    /// it back unchanged.
    static func isTellableFromRow(_ order: Order) -> Bool { asPlaced(order) == order }

    /// The order as placed, from its row as it is now (`nil` for a row with no history, which no store
    /// writes). While an order's events are kept its row keeps what its placement wrote: a transition
    /// changes only status, history (appending), version and `updatedAt` (``Order/moved(to:)``), and an
    /// anonymisation, which rewrites more, deletes the user's order events in the same transaction
    /// (``forgetOrders(of:at:in:)``).
    static func asPlaced(_ later: Order) -> Order? {
        guard let placement = later.history.first else { return nil }
        return Order(
            id: later.id, userId: later.userId, items: later.items, deliveryAddress: later.deliveryAddress,
            status: placement.status, currency: later.currency, total: later.total, createdAt: later.createdAt,
            updatedAt: later.createdAt, history: [placement], version: 1)
    }

    private static let insertEventSQL = """
        INSERT INTO orderEvent (id, type, orderId, userId, occurredAt, data, traceContext) VALUES (?, ?, ?, ?, ?, ?, ?)
        """
    private static let insertDeliverySQL = """
        INSERT INTO webhookDelivery (id, subscriptionId, eventId, type, orderId, occurredAt, status, attempts,
                                     nextAttemptAt, toldByOrder, traceContext)
        VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)
        """

    /// Fails the undelivered deliveries of `userId`'s order events and deletes those events: nothing of a
    /// deleted user leaves after the deletion. Called before the user's orders are deleted or rewritten:
    /// their ids find the deliveries (`webhookDelivery_undelivered`), and a delivery its order's row told
    /// no longer reads that row (`toldByOrder` cleared), so a failed one retried by hand is not sent the
    /// anonymised order.
    static func forgetOrders(of userId: UserID, at date: Date, in db: Database) throws {
        try db.execute(sql: failUndeliveredSQL, arguments: [userId.description])
        try db.execute(
            sql: "DELETE FROM orderEvent WHERE userId = ? AND orderId IS NOT NULL", arguments: [userId.description])
    }

    static let failUndeliveredSQL = """
        UPDATE webhookDelivery SET status = 'failed', attempts = attempts + 1,
            lastError = 'The order''s user was deleted before it was delivered.', nextAttemptAt = NULL,
            leaseUntil = NULL, toldByOrder = NULL
        WHERE status <> 'delivered' AND orderId IN (SELECT id FROM "order" WHERE userId = ?)
        """

    /// Ends every claim on a pending delivery (delivered and failed ones hold none), reading each
    /// subscription's pending deliveries by the lane's index.
    static func endClaims(in db: Database) throws {
        try db.execute(sql: endClaimsSQL)
    }

    static let endClaimsSQL = """
        UPDATE webhookDelivery SET leaseUntil = NULL
        WHERE subscriptionId IN (SELECT id FROM webhookSubscription) AND status = 'pending' AND leaseUntil IS NOT NULL
        """

    /// A lane's pending deliveries in order, with their events' data and trace contexts (columns 14 and 15)
    /// and, for a delivery its order's row tells (`toldByOrder = 1`), that row (``OrderRow/columns`` from
    /// column 16), as far as a claim looks: a thousand, so a lane whose head waits for retries still moves.
    static let claimSQL = """
        SELECT d.id, d.subscriptionId, d.eventId, d.type, d.orderId, d.occurredAt, d.status, d.attempts,
            d.lastStatusCode, d.lastError, d.nextAttemptAt, d.deliveredAt, d.sequence, d.leaseUntil, e.data,
            coalesce(e.traceContext, d.traceContext), \(OrderRow.columns(of: "o"))
        FROM webhookDelivery d LEFT JOIN orderEvent e ON d.toldByOrder IS NULL AND e.id = d.eventId
            LEFT JOIN "order" o ON d.toldByOrder = 1 AND o.id = d.orderId
        WHERE d.subscriptionId = ? AND d.status = 'pending' ORDER BY d.sequence LIMIT 1000
        """

    /// The data of the event on a ``claimSQL`` row; `nil` when the event, or the order its data is read
    /// from, is gone.
    static func claimedData(_ row: Row) throws -> OrderEvent.Data? {
        if let text = row[14] as String? { return try StoredOrderEvent.decode(text) }
        if row.hasNull(atIndex: 16) { return nil }
        guard let placed = asPlaced(try OrderRow.order(row, from: 16)) else {
            throw CommerceError.internalFailure("A stored order has no history.")
        }
        return .order(placed)
    }

    /// The condition on an `orderEvent` row that no delivery reads it any more (by `webhookDelivery_event`,
    /// which holds only the deliveries whose events have rows).
    static let noDeliveryNeeds = """
        NOT EXISTS (SELECT 1 FROM webhookDelivery d WHERE d.toldByOrder IS NULL AND d.eventId = orderEvent.id)
        """

    static let deliveryColumns = """
        id, subscriptionId, eventId, type, orderId, occurredAt, status, attempts, lastStatusCode, lastError, \
        nextAttemptAt, deliveredAt, sequence
        """

    static func delivery(_ row: Row) throws -> WebhookDelivery {
        guard let id = DeliveryID(row[0] as String), let subscription = WebhookSubscriptionID(row[1] as String),
            let event = EventID(row[2] as String), let type = OrderEventType(rawValue: row[3]),
            let status = WebhookDelivery.Status(rawValue: row[6])
        else { throw CommerceError.internalFailure("A stored webhook delivery is not readable.") }
        let date = { (value: Int64?) in value.map(Date.init(millisecondsSince1970:)) }
        return WebhookDelivery(
            id: id, subscriptionId: subscription, eventId: event, type: type,
            orderId: (row[4] as String?).flatMap(OrderID.init), occurredAt: Date(millisecondsSince1970: row[5]),
            status: status, attempts: row[7], lastStatusCode: row[8], lastError: row[9], nextAttemptAt: date(row[10]),
            deliveredAt: date(row[11]))
    }

    static func subscription(_ row: Row) throws -> WebhookSubscription {
        let events = (row[2] as String).split(separator: ",").compactMap { OrderEventType(rawValue: String($0)) }
        guard let id = WebhookSubscriptionID(row[0] as String), let url = URL(string: row[1]),
            let secret = try? SigningSecret(bytes: Array(row[3] as Data), field: "secret")
        else { throw CommerceError.internalFailure("A stored webhook subscription is not readable.") }
        return WebhookSubscription(
            id: id, url: url, events: Set(events), secret: secret, active: row[4],
            createdAt: Date(millisecondsSince1970: row[5]))
    }
}

extension SQLiteOrderStore: WebhookStore {
    /// See ``WebhookSubscriptionStore/createSubscription(_:)``. The events are kept as `,type,type,`, so a type is found
    /// by `instr` in the placement's transaction.
    public func createSubscription(_ subscription: WebhookSubscription) async throws {
        let events = "," + subscription.events.map(\.rawValue).sorted().joined(separator: ",") + ","
        try await translatingDatabaseErrors {
            try await write(changingPagesOf: []) { db in
                try db.execute(
                    sql: """
                        INSERT INTO webhookSubscription (id, url, events, secret, active, createdAt)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        subscription.id.description, subscription.url.absoluteString, events,
                        Data(subscription.secret.bytes), subscription.active,
                        subscription.createdAt.millisecondsSince1970,
                    ])
            }
        }
    }

    /// See ``WebhookSubscriptionStore/subscription(_:)``.
    public func subscription(_ id: WebhookSubscriptionID) async throws -> WebhookSubscription? {
        try await translatingDatabaseErrors {
            try await writer.read { db in
                try Row.fetchOne(
                    db, sql: "SELECT id, url, events, secret, active, createdAt FROM webhookSubscription WHERE id = ?",
                    arguments: [id.description]
                ).map(SQLiteWebhooks.subscription)
            }
        }
    }

    /// See ``WebhookSubscriptionStore/subscriptions(after:limit:)``.
    public func subscriptions(after: WebhookSubscriptionID?, limit: Int) async throws -> [WebhookSubscription] {
        try await translatingDatabaseErrors {
            try await writer.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT id, url, events, secret, active, createdAt FROM webhookSubscription
                        WHERE id > ? ORDER BY id LIMIT ?
                        """, arguments: [after?.description ?? "", max(0, limit)]
                ).map(SQLiteWebhooks.subscription)
            }
        }
    }

    /// See ``WebhookSubscriptionStore/deleteSubscription(_:)``: its deliveries, and the events no delivery needs any more,
    /// go in the same transaction.
    public func deleteSubscription(_ id: WebhookSubscriptionID) async throws -> Bool {
        try await translatingDatabaseErrors {
            try await write(changingPagesOf: []) { db in
                try db.execute(sql: "DELETE FROM webhookSubscription WHERE id = ?", arguments: [id.description])
                guard db.changesCount == 1 else { return false }
                try db.execute(sql: "DELETE FROM webhookDelivery WHERE subscriptionId = ?", arguments: [id.description])
                try db.execute(sql: "DELETE FROM orderEvent WHERE \(SQLiteWebhooks.noDeliveryNeeds)")
                return true
            }
        }
    }

    /// See ``WebhookSubscriptionStore/disableSubscription(_:)``.
    public func disableSubscription(_ id: WebhookSubscriptionID) async throws {
        try await translatingDatabaseErrors {
            try await write(changingPagesOf: []) { db in
                try db.execute(
                    sql: "UPDATE webhookSubscription SET active = 0 WHERE id = ?", arguments: [id.description])
            }
        }
    }

    /// See ``WebhookDeliveryStore/deliveries(of:after:limit:)``: newest first, by `sequence`.
    public func deliveries(of subscription: WebhookSubscriptionID, after: DeliveryID?, limit: Int) async throws
        -> [WebhookDelivery]
    {
        try await translatingDatabaseErrors {
            try await writer.read { db in
                let before =
                    try after.flatMap {
                        try Int64.fetchOne(
                            db, sql: "SELECT sequence FROM webhookDelivery WHERE id = ?", arguments: [$0.description])
                    } ?? .max
                return try Row.fetchAll(
                    db,
                    sql: """
                        SELECT \(SQLiteWebhooks.deliveryColumns) FROM webhookDelivery
                        WHERE subscriptionId = ? AND sequence < ? ORDER BY sequence DESC LIMIT ?
                        """, arguments: [subscription.description, before, max(0, limit)]
                ).map(SQLiteWebhooks.delivery)
            }
        }
    }

    /// See ``WebhookDeliveryStore/claimDeliveries(of:limit:now:leaseEnd:)``: read and leased in one write
    /// transaction, which no other writer enters, walking the subscription's pending deliveries in order
    /// with their events, and stepping only as far as it must: a lane behind by thousands of deliveries
    /// reads about `limit` rows a pass, not the thousand it may look through.
    public func claimDeliveries(of subscription: WebhookSubscriptionID, limit: Int, now: Date, leaseEnd: Date)
        async throws -> [(delivery: WebhookDelivery, event: OrderEvent)]
    {
        try await translatingDatabaseErrors {
            try await write(changingPagesOf: []) { db in
                let active = try Bool.fetchOne(
                    db, sql: "SELECT active FROM webhookSubscription WHERE id = ?",
                    arguments: [subscription.description])
                guard active == true, limit > 0 else { return [] }
                let rows = try Row.fetchCursor(
                    try db.cachedStatement(sql: SQLiteWebhooks.claimSQL), arguments: [subscription.description])
                var claimed: [(delivery: WebhookDelivery, event: OrderEvent)] = []
                var waiting: Set<OrderID> = []
                while claimed.count < limit, let row = try rows.next() {
                    let delivery = try SQLiteWebhooks.delivery(row)
                    if let order = delivery.orderId, !waiting.insert(order).inserted { continue }
                    let leaseUntil = (row[13] as Int64?).map(Date.init(millisecondsSince1970:)) ?? .distantPast
                    guard (delivery.nextAttemptAt ?? now) <= now, leaseUntil <= now,
                        let data = try SQLiteWebhooks.claimedData(row)
                    else { continue }
                    let event = OrderEvent(
                        id: delivery.eventId, type: delivery.type, occurredAt: delivery.occurredAt, data: data,
                        traceContext: row[15])
                    claimed.append((delivery, event))
                }
                // Leased once the read is over: the rows are not changed under a statement still stepping them.
                let lease = SQLiteRawStatement(
                    try db.cachedStatement(sql: "UPDATE webhookDelivery SET leaseUntil = ? WHERE id = ?"))
                for (delivery, _) in claimed {
                    try lease.execute { arguments in
                        try arguments.bind(leaseEnd.millisecondsSince1970)
                        try arguments.bind(delivery.id.description)
                    }
                }
                return claimed
            }
        }
    }

    /// See ``WebhookDeliveryStore/recordAttempts(_:at:)``: each delivery's columns as
    /// ``WebhookDelivery/applying(_:at:)`` makes them, and for `gone` the subscription turned off, all in one
    /// write transaction (one turn of the writer for a pass, not one for each delivery).
    public func recordAttempts(_ attempts: [(id: DeliveryID, outcome: DeliveryOutcome)], at date: Date) async throws {
        guard !attempts.isEmpty else { return }
        try await translatingDatabaseErrors {
            try await write(changingPagesOf: []) { db in
                for (id, outcome) in attempts {
                    guard
                        let delivery = try Row.fetchOne(
                            try db.cachedStatement(
                                sql: "SELECT \(SQLiteWebhooks.deliveryColumns) FROM webhookDelivery WHERE id = ?"),
                            arguments: [id.description]
                        ).map(SQLiteWebhooks.delivery)
                    else { continue }
                    let next = delivery.applying(outcome, at: date)
                    try db.cachedStatement(
                        sql: """
                            UPDATE webhookDelivery SET status = ?, attempts = ?, lastStatusCode = ?, lastError = ?,
                                nextAttemptAt = ?, deliveredAt = ?, leaseUntil = NULL
                            WHERE id = ?
                            """
                    ).execute(arguments: [
                        next.status.rawValue, next.attempts, next.lastStatusCode, next.lastError,
                        next.nextAttemptAt?.millisecondsSince1970, next.deliveredAt?.millisecondsSince1970,
                        id.description,
                    ])
                    if case .gone = outcome {
                        try db.execute(
                            sql: "UPDATE webhookSubscription SET active = 0 WHERE id = ?",
                            arguments: [delivery.subscriptionId.description])
                    }
                }
            }
        }
    }

    /// See ``WebhookDeliveryStore/retryDelivery(_:of:at:)``.
    public func retryDelivery(_ id: DeliveryID, of subscription: WebhookSubscriptionID, at date: Date) async throws
        -> Bool
    {
        try await translatingDatabaseErrors {
            try await write(changingPagesOf: []) { db in
                let status = try String.fetchOne(
                    db, sql: "SELECT status FROM webhookDelivery WHERE id = ? AND subscriptionId = ?",
                    arguments: [id.description, subscription.description])
                guard let status else { return false }
                if status == "failed" {
                    try db.execute(
                        sql: "UPDATE webhookDelivery SET status = 'pending', nextAttemptAt = ? WHERE id = ?",
                        arguments: [date.millisecondsSince1970, id.description])
                }
                return true
            }
        }
    }

    /// See ``WebhookDeliveryStore/deliveryBacklog()``: one read (a scan of the deliveries; it serves a gauge
    /// refreshed every few seconds, so no index on the placement's path pays for it).
    public func deliveryBacklog() async throws -> OutboxBacklog {
        try await translatingDatabaseErrors {
            try await writer.read { db in
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT count(*), min(d.occurredAt) FROM webhookDelivery d
                        JOIN webhookSubscription s ON s.id = d.subscriptionId
                        WHERE d.status = 'pending' AND s.active = 1
                        """)
                return OutboxBacklog(
                    count: row?[0] ?? 0,
                    oldestOccurredAt: (row?[1] as Int64?).map(Date.init(millisecondsSince1970:)))
            }
        }
    }

    /// See ``WebhookDeliveryStore/forgetDeliveries(before:)``: one write transaction.
    public func forgetDeliveries(before cutoff: Date) async throws -> Int {
        try await translatingDatabaseErrors {
            try await write(changingPagesOf: []) { db in
                try db.execute(
                    sql: "DELETE FROM webhookDelivery WHERE status <> 'pending' AND occurredAt < ?",
                    arguments: [cutoff.millisecondsSince1970])
                let forgotten = db.changesCount
                try db.execute(
                    sql: """
                        DELETE FROM orderEvent WHERE occurredAt < ? AND \(SQLiteWebhooks.noDeliveryNeeds)
                        """, arguments: [cutoff.millisecondsSince1970])
                return forgotten
            }
        }
    }
}
