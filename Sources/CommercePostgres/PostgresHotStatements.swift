import CommerceCore
import Foundation
import PostgresNIO

// The Order service's hot statements, prepared: each connection parses and plans one the first time it runs
// it, and after that sends only its name and values. A statement sent as text is parsed, analysed and
// planned by PostgreSQL on every request, and its row description comes back with it
// (Documentation/PerformanceLog.md). A prepared statement's text is fixed, so each covers all its cases in
// one text: an absent filter or token is a NULL value, and the first page reads from a cursor before every
// order.

/// A user's page (``OrderRecordStore/liveOrders(of:status:after:limit:token:)``): the token's mark and the
/// tombstone in one row, with the page's orders `LEFT JOIN`ed onto it (so the row comes even when the page
/// is empty). Rows: ``PostgresOrderRow/columns``, then `void_before`, `tombstoned`.
struct PostgresUserPageStatement: PostgresPreparedStatement {
    static let sql = """
        SELECT o.*, m.void_before, m.tombstoned FROM (
            SELECT (SELECT void_before FROM token_revocations WHERE user_id = $1) AS void_before,
                EXISTS (SELECT 1 FROM tombstones WHERE user_id = $2) AS tombstoned
        ) m LEFT JOIN LATERAL (
            SELECT \(PostgresOrderRow.columns) FROM orders
            WHERE user_id = $2 AND ($3::text IS NULL OR status = $3) AND (created_at, id) < ($4, $5)
            ORDER BY created_at DESC, id DESC LIMIT $6
        ) o ON true
        """
    static let bindingDataTypes: [PostgresDataType] = [.uuid, .uuid, .text, .int8, .uuid, .int8]
    typealias Row = PostgresRow

    let tokenUser: UUID?
    let userId: UUID
    let status: String?
    let cursor: OrderCursor?
    let limit: Int

    func makeBindings() -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 6)
        bindings.append(tokenUser)
        bindings.append(userId)
        bindings.append(status)
        // No cursor: before every order (no order is made at the end of time).
        bindings.append(cursor?.createdAt.millisecondsSince1970 ?? .max)
        bindings.append(cursor?.id.uuid ?? Self.lastID)
        bindings.append(Int64(max(0, limit)))
        return bindings
    }

    func decodeRow(_ row: PostgresRow) -> PostgresRow { row }

    /// The greatest UUID, with the end of time the cursor before every order.
    static let lastID = UUID(
        uuid: (255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255))
}

/// One order of a user (``OrderRecordStore/order(_:of:token:)``) with the token's mark, in the same row shape as
/// ``PostgresUserPageStatement`` (`tombstoned` is always false: a read by id does not ask).
struct PostgresOrderByIDStatement: PostgresPreparedStatement {
    static let sql = """
        SELECT o.*, m.void_before, false AS tombstoned FROM (
            SELECT (SELECT void_before FROM token_revocations WHERE user_id = $1) AS void_before
        ) m LEFT JOIN LATERAL (
            SELECT \(PostgresOrderRow.columns) FROM orders WHERE id = $2 AND user_id = $3
        ) o ON true
        """
    static let bindingDataTypes: [PostgresDataType] = [.uuid, .uuid, .uuid]
    typealias Row = PostgresRow

    let tokenUser: UUID?
    let orderId: UUID
    let userId: UUID

    func makeBindings() -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 3)
        bindings.append(tokenUser)
        bindings.append(orderId)
        bindings.append(userId)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) -> PostgresRow { row }
}

/// The `order.placed` events of a statement's placements, recorded after them: two inserts for all the
/// statement's orders, where `commerce_place_order` recording each order's event itself ran four statements
/// of PL/pgSQL per order (Documentation/PerformanceLog.md). `placed` is the statement's first part, a
/// `MATERIALIZED` CTE of `commerce_place_orders`' rows, or `commerce_place_order(…, false)`'s for a placement
/// alone (so that each placement runs once), with
/// what the placement was asked beside them: `n` (its place in the statement), `user_id`, `delivery_address`,
/// `status`, `created_at`, `updated_at`, `history`, `version`, `trace_context`. Each order created gets an
/// event and a delivery for each active subscription that takes `order.placed`, in the placements' order, as
/// ``PostgresWebhooks/recordEvent`` writes them; the statement's rows are `placed`'s.
enum PostgresPlacedEvents {
    static func statement(placed: String, rows: String) -> String {
        """
        WITH placed AS MATERIALIZED (\(placed)),
        subscriptions AS MATERIALIZED (
            SELECT s.id FROM webhook_subscriptions s WHERE s.active AND 'order.placed' = ANY (s.events)),
        events AS (
            INSERT INTO order_events (id, type, order_id, user_id, occurred_at, data, trace_context)
            SELECT commerce_uuid_v7(p.updated_at), 'order.placed', p.order_id, p.user_id, p.updated_at,
                commerce_order_placed_data(p.order_id, p.user_id, p.items, p.delivery_address, p.status, p.currency,
                    p.total, p.created_at, p.updated_at, p.history, p.version),
                p.trace_context
            FROM placed p WHERE p.outcome = 'created' AND EXISTS (SELECT 1 FROM subscriptions)
            ORDER BY p.n
            RETURNING id, order_id),
        deliveries AS (
            INSERT INTO webhook_deliveries (id, subscription_id, event_id, type, order_id, occurred_at, status,
                                            attempts, next_attempt_at)
            SELECT commerce_uuid_v7(p.updated_at), s.id, e.id, 'order.placed', e.order_id, p.updated_at, 'pending', 0,
                   p.updated_at
            FROM events e JOIN placed p ON p.order_id = e.order_id AND p.outcome = 'created'
            CROSS JOIN subscriptions s
            ORDER BY p.n, s.id)
        SELECT \(rows) FROM placed ORDER BY n
        """
    }
}

/// A placement alone: `commerce_place_order` (``PostgresPlaceOrder``) with every value it takes, its event
/// recorded after it (``PostgresPlacedEvents``), which ``PostgresOrderStore`` runs for each placement of a
/// batch PostgreSQL refused. A batch (``PostgresPlaceOrdersStatement``) sends these values as columns. The
/// lines are sent as text and cast, since a `jsonb` value in binary form starts with a version byte.
struct PostgresPlaceOrderStatement: PostgresPreparedStatement {
    static let sql = PostgresPlacedEvents.statement(
        placed: """
            SELECT 1::bigint AS n, $3::uuid AS user_id, $9::text AS delivery_address, $10::text AS status,
                $13::int8 AS created_at, $14::int8 AS updated_at, $15::text AS history, $16::int8 AS version,
                $21::text AS trace_context, f.*
            FROM commerce_place_order($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11, $12, $13, $14, $15, $16,
                $17, $18, $19, $20, $21, false) f
            """,
        rows: "outcome, mark, order_id, items, currency, total, fingerprint, products::text")
    static let bindingDataTypes: [PostgresDataType] = [
        .text, .uuid, .uuid, .uuid, .int8, .text, .text, .text, .text, .text, .text, .int8, .int8, .int8, .text,
        .int8, .text, .text, .int8, .int8, .text,
    ]
    typealias Row = PostgresPlacementOutcome

    let order: Order
    /// The stored items, when the client priced the order; `nil` when the catalog does.
    let items: String?
    /// The lines the catalog prices, as JSON; `nil` when the client priced the order.
    let lines: String?
    let requestedCurrency: String?
    let history: String
    let token: CallerToken?
    let idempotency: IdempotencyRecord?
    let now: Date
    /// The placing request's trace context, for its `order.placed` event.
    let traceContext: String?

    func makeBindings() -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 21)
        bindings.append(order.userId.description)
        bindings.append(order.id.uuid)
        bindings.append(order.userId.uuid)
        bindings.append(token?.userId.uuid)
        bindings.append(token?.issuedAt.millisecondsSince1970)
        bindings.append(items)
        bindings.append(lines)
        bindings.append(requestedCurrency)
        bindings.append(order.deliveryAddress)
        bindings.append(order.status.rawValue)
        bindings.append(order.currency.value)
        bindings.append(order.total.minorUnits)
        bindings.append(order.createdAt.millisecondsSince1970)
        bindings.append(order.updatedAt.millisecondsSince1970)
        bindings.append(history)
        bindings.append(Int64(order.version))
        bindings.append(idempotency?.key.value)
        bindings.append(idempotency?.fingerprint)
        bindings.append(idempotency?.expiresAt.millisecondsSince1970)
        bindings.append(now.millisecondsSince1970)
        bindings.append(traceContext)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        let (outcome, mark, order, items, currency, total, fingerprint, products) = try row.decode(
            (String, Int64?, UUID?, String?, String?, Int64?, String?, String?).self)
        return try PostgresPlacementOutcome(
            outcome: outcome, mark: mark, orderId: order, items: items, currency: currency, total: total,
            fingerprint: fingerprint, products: products)
    }

    /// Where the placement's idempotency key sorts among a batch's (without a key, first: it takes no row).
    var keyOrder: (String, String) {
        guard let idempotency else { return ("", "") }
        return (idempotency.userId.description, idempotency.key.value)
    }
}

/// Several users' pages (``PostgresUserPageStatement``'s, each with its own token, filter, cursor and limit)
/// in one statement, for ``PostgresBatcher``: each page is one row of the `unnest`ed arrays, numbered by
/// `WITH ORDINALITY`, and its rows are ``PostgresUserPageStatement``'s followed by that number (`n`, from
/// 1). A page without a status filter has an empty status; every page has a token user (the page's own user
/// when the request has no token, whose mark is then not asked for). The tombstone is a scalar subquery, not
/// `EXISTS`: the planner may answer an `EXISTS` over many outer rows by hashing the whole table.
struct PostgresUserPagesStatement: PostgresPreparedStatement {
    static let sql = """
        SELECT o.*, m.void_before, m.tombstoned, r.n FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::int8[],
            $5::uuid[], $6::int8[]) WITH ORDINALITY AS r(token_user, user_id, status, before_at, before_id, lim, n)
        CROSS JOIN LATERAL (
            SELECT (SELECT void_before FROM token_revocations WHERE user_id = r.token_user) AS void_before,
                (SELECT true FROM tombstones WHERE user_id = r.user_id) IS NOT NULL AS tombstoned
        ) m LEFT JOIN LATERAL (
            SELECT \(PostgresOrderRow.columns) FROM orders
            WHERE user_id = r.user_id AND (r.status = '' OR status = r.status)
                AND (created_at, id) < (r.before_at, r.before_id)
            ORDER BY created_at DESC, id DESC LIMIT r.lim
        ) o ON true
        """
    static let bindingDataTypes: [PostgresDataType] = [
        .uuidArray, .uuidArray, .textArray, .int8Array, .uuidArray, .int8Array,
    ]
    typealias Row = PostgresRow

    let pages: [PostgresUserPageStatement]

    func makeBindings() -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 6)
        bindings.append(pages.map { $0.tokenUser ?? $0.userId })
        bindings.append(pages.map(\.userId))
        bindings.append(pages.map { $0.status ?? "" })
        bindings.append(pages.map { $0.cursor?.createdAt.millisecondsSince1970 ?? .max })
        bindings.append(pages.map { $0.cursor?.id.uuid ?? PostgresUserPageStatement.lastID })
        bindings.append(pages.map { Int64(max(0, $0.limit)) })
        return bindings
    }

    func decodeRow(_ row: PostgresRow) -> PostgresRow { row }
}

/// Several placements (``PostgresPlaceOrderStatement``'s) in one statement, for ``PostgresBatcher``:
/// `commerce_place_orders` (``PostgresPlaceOrders``) with a column of the placements' values for each of
/// `commerce_place_order`'s arguments, in their order, all in the statement's one transaction; each placement is
/// decided as when alone. Rows: ``PostgresPlaceOrderStatement``'s, preceded by the placement's number (`n`,
/// from 1).
struct PostgresPlaceOrdersStatement: PostgresPreparedStatement {
    static let sql = PostgresPlacedEvents.statement(
        placed: """
            SELECT f.n, r.user_id, r.delivery_address, r.status, r.created_at, r.updated_at, r.history, r.version,
                r.trace_context, f.outcome, f.mark, f.order_id, f.items, f.currency, f.total, f.fingerprint,
                f.products
            FROM commerce_place_orders($1::text[], $2::uuid[], $3::uuid[], $4::uuid[], $5::int8[], $6::text[],
                    $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::int8[], $13::int8[],
                    $14::int8[], $15::text[], $16::int8[], $17::text[], $18::text[], $19::int8[], $20::int8[],
                    $21::text[]) f
            JOIN unnest($3::uuid[], $9::text[], $10::text[], $13::int8[], $14::int8[], $15::text[], $16::int8[],
                    $21::text[])
                WITH ORDINALITY AS r(user_id, delivery_address, status, created_at, updated_at, history, version,
                    trace_context, n) ON r.n = f.n
            """,
        rows: "n, outcome, mark, order_id, items, currency, total, fingerprint, products::text")
    static let bindingDataTypes: [PostgresDataType] = [
        .textArray, .uuidArray, .uuidArray, .uuidArray, .int8Array, .textArray, .textArray, .textArray, .textArray,
        .textArray, .textArray, .int8Array, .int8Array, .int8Array, .textArray, .int8Array, .textArray, .textArray,
        .int8Array, .int8Array, .textArray,
    ]
    typealias Row = (Int64, PostgresPlaceOrderStatement.Row)

    let placements: [PostgresPlaceOrderStatement]

    func makeBindings() -> PostgresBindings {
        func column<T>(_ value: (PostgresPlaceOrderStatement) -> T) -> [T] { placements.map(value) }
        var bindings = PostgresBindings(capacity: 21)
        bindings.append(column { $0.order.userId.description })
        bindings.append(column { $0.order.id.uuid })
        bindings.append(column { $0.order.userId.uuid })
        bindings.append(PostgresNullableArray(column { $0.token?.userId.uuid }))
        bindings.append(PostgresNullableArray(column { $0.token?.issuedAt.millisecondsSince1970 }))
        bindings.append(PostgresNullableArray(column(\.items)))
        bindings.append(PostgresNullableArray(column(\.lines)))
        bindings.append(PostgresNullableArray(column(\.requestedCurrency)))
        bindings.append(column(\.order.deliveryAddress))
        bindings.append(column { $0.order.status.rawValue })
        bindings.append(column { $0.order.currency.value })
        bindings.append(column { $0.order.total.minorUnits })
        bindings.append(column { $0.order.createdAt.millisecondsSince1970 })
        bindings.append(column { $0.order.updatedAt.millisecondsSince1970 })
        bindings.append(column(\.history))
        bindings.append(column { Int64($0.order.version) })
        bindings.append(PostgresNullableArray(column { $0.idempotency?.key.value }))
        bindings.append(PostgresNullableArray(column { $0.idempotency?.fingerprint }))
        bindings.append(PostgresNullableArray(column { $0.idempotency?.expiresAt.millisecondsSince1970 }))
        bindings.append(column { $0.now.millisecondsSince1970 })
        bindings.append(PostgresNullableArray(column(\.traceContext)))
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        let (n, outcome, mark, order, items, currency, total, fingerprint, products) = try row.decode(
            (Int64, String, Int64?, UUID?, String?, String?, Int64?, String?, String?).self)
        return (
            n,
            try PostgresPlacementOutcome(
                outcome: outcome, mark: mark, orderId: order, items: items, currency: currency, total: total,
                fingerprint: fingerprint, products: products)
        )
    }
}
