import CommerceCore
import Foundation
import PostgresNIO

// The Order service's hot statements, prepared: each connection parses and plans one the first time it runs
// it, and after that sends only its name and values. A statement sent as text is parsed, analysed and
// planned by PostgreSQL on every request, and its row description comes back with it
// (Documentation/Performance.md). A prepared statement's text is fixed, so each covers all its cases in
// one text: an absent filter or token is a NULL value, and the first page reads from a cursor before every
// order.

/// A user's page (``OrderStore/liveOrders(of:status:after:limit:token:)``): the token's mark and the
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
    private static let lastID = UUID(
        uuid: (255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255))
}

/// One order of a user (``OrderStore/order(_:of:token:)``) with the token's mark, in the same row shape as
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

/// A placement: `commerce_place_order` (``PostgresPlaceOrder``) with every value it takes. The lines are
/// sent as text and cast, since a `jsonb` value in binary form starts with a version byte.
struct PostgresPlaceOrderStatement: PostgresPreparedStatement {
    static let sql = """
        SELECT outcome, mark, order_id, items, currency, total, fingerprint, products::text
        FROM commerce_place_order($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
            $18, $19, $20)
        """
    static let bindingDataTypes: [PostgresDataType] = [
        .text, .uuid, .uuid, .uuid, .int8, .text, .text, .text, .text, .text, .text, .int8, .int8, .int8, .text,
        .int8, .text, .text, .int8, .int8,
    ]
    typealias Row = (String, Int64?, UUID?, String?, String?, Int64?, String?, String?)

    let order: Order
    /// The stored items, when the client priced the order; `nil` when the catalog does.
    let items: String?
    /// The lines the catalog prices, as JSON; `nil` when the client priced the order.
    let lines: String?
    let requestedCurrency: String?
    let history: String
    let token: TokenStamp?
    let idempotency: IdempotencyRecord?
    let now: Date

    func makeBindings() -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 20)
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
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}
