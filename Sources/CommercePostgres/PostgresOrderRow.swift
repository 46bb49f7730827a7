import CommerceCore
import Foundation
import PostgresNIO

/// How an ``Order`` maps to and from its row: ``StoredOrderRow``'s columns in snake_case, the items in
/// ``StoredOrderItems``' JSON — the format the SQLite store writes too.
enum PostgresOrderRow {
    static let columns = ColumnNaming.snakeCase.list(StoredOrderRow.names)

    /// The number of columns ``columns`` names; a query may select more after them.
    static let columnCount = StoredOrderRow.names.count

    /// ``columns``, qualified with a table alias.
    static func columns(of table: String) -> String { ColumnNaming.snakeCase.list(StoredOrderRow.names, table: table) }

    static func orders(_ rows: PostgresRowSequence) async throws -> [Order] {
        var orders: [Order] = []
        for try await row in rows { orders.append(try order(row)) }
        return orders
    }

    /// ``columns``' values, in order.
    private typealias Values = (UUID, UUID, String, String, String, String, Int64, Int64, Int64, String, Int64)

    /// The order in a row whose first columns are ``columns`` (more may follow). Decoded as one tuple:
    /// PostgresNIO reads a tuple straight from the row's bytes, where a random-access row first makes a cell
    /// (with its column's name and type) of every column (Documentation/Performance.md).
    static func order(_ row: PostgresRow) throws -> Order { try order(try row.decode(Values.self)) }

    /// A row of ``columns`` (NULL in a row without an order) followed by the token's mark (`void_before`)
    /// and the tombstone (`tombstoned`): the order, if the row has one, and the two marks.
    static func markedOrder(_ row: PostgresRow) throws -> (order: Order?, voidBefore: Int64?, tombstoned: Bool) {
        let (id, userId, items, address, status, currency, total, createdAt, updatedAt, history, version, mark, gone) =
            try row.decode(
                (
                    UUID?, UUID?, String?, String?, String?, String?, Int64?, Int64?, Int64?, String?, Int64?, Int64?,
                    Bool
                ).self)
        guard let id, let userId, let items, let address, let status, let currency, let total, let createdAt,
            let updatedAt, let history, let version
        else { return (nil, mark, gone) }
        let order = try order(
            (id, userId, items, address, status, currency, total, createdAt, updatedAt, history, version))
        return (order, mark, gone)
    }

    private static func order(_ values: Values) throws -> Order {
        let (id, userId, items, address, status, currency, total, createdAt, updatedAt, history, version) = values
        return try StoredOrderRow.order(
            id: OrderID(uuid: id), userId: UserID(uuid: userId), items: items, deliveryAddress: address,
            status: status, currency: currency, totalMinorUnits: total, createdAt: createdAt, updatedAt: updatedAt,
            history: history, version: Int(version))
    }
}
