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

    /// The order in a row whose first columns are ``columns`` (more may follow).
    static func order(_ row: PostgresRow) throws -> Order {
        let cells = row.makeRandomAccess()
        return try StoredOrderRow.order(
            id: OrderID(uuid: try cells[0].decode(UUID.self)), userId: UserID(uuid: try cells[1].decode(UUID.self)),
            items: try cells[2].decode(String.self), deliveryAddress: try cells[3].decode(String.self),
            status: try cells[4].decode(String.self), currency: try cells[5].decode(String.self),
            totalMinorUnits: try cells[6].decode(Int64.self), createdAt: try cells[7].decode(Int64.self),
            updatedAt: try cells[8].decode(Int64.self), history: try cells[9].decode(String.self),
            version: Int(try cells[10].decode(Int64.self)))
    }
}
