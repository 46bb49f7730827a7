import CommerceCore
import Foundation
import PostgresNIO

/// How an ``Order`` maps to and from its row: items as JSON text in the shape the SQLite store also uses.
enum PostgresOrderRow {
    private struct Item: Codable {
        var productId: String
        var name: String
        var quantity: Int
        var unitPriceMinorUnits: Int64
    }

    /// The columns an order is read from, in the order ``order(_:)`` decodes them.
    private static let names = [
        "id", "user_id", "items", "delivery_address", "status", "currency", "total_minor_units", "created_at", "updated_at",
    ]

    static let columns = columns(of: nil)

    /// The number of columns ``columns`` names; a query may select more after them.
    static let columnCount = names.count

    /// ``columns``, qualified with a table alias.
    static func columns(of table: String?) -> String {
        names.map { name in table.map { "\($0).\(name)" } ?? name }.joined(separator: ", ")
    }

    static func encode(_ items: [OrderItem]) throws -> String {
        let rows = items.map {
            Item(productId: $0.productId, name: $0.name, quantity: $0.quantity, unitPriceMinorUnits: $0.unitPrice.minorUnits)
        }
        return String(decoding: try JSONEncoder().encode(rows), as: UTF8.self)
    }

    static func orders(_ rows: PostgresRowSequence) async throws -> [Order] {
        var orders: [Order] = []
        for try await row in rows { orders.append(try order(row)) }
        return orders
    }

    /// The order in a row whose first columns are ``columns`` (more may follow).
    static func order(_ row: PostgresRow) throws -> Order {
        let cells = row.makeRandomAccess()
        let items = try cells[2].decode(String.self)
        guard let status = OrderStatus(rawValue: try cells[4].decode(String.self)),
            let stored = try? JSONDecoder().decode([Item].self, from: Data(items.utf8))
        else { throw CommerceError.internalFailure("A stored order is malformed.") }
        return Order(
            id: OrderID(uuid: try cells[0].decode(UUID.self)), userId: UserID(uuid: try cells[1].decode(UUID.self)),
            items: stored.map {
                OrderItem(
                    productId: $0.productId, name: $0.name, quantity: $0.quantity,
                    unitPrice: Money(minorUnits: $0.unitPriceMinorUnits))
            },
            deliveryAddress: try cells[3].decode(String.self), status: status,
            currency: CurrencyCode(trusted: try cells[5].decode(String.self)),
            total: Money(minorUnits: try cells[6].decode(Int64.self)),
            createdAt: Date(millisecondsSince1970: try cells[7].decode(Int64.self)),
            updatedAt: Date(millisecondsSince1970: try cells[8].decode(Int64.self)))
    }
}
