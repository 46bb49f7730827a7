import CommerceCore
import CommerceStoreRows
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

    static func orders(_ rows: [PostgresRow]) throws -> [Order] {
        try rows.map(order)
    }

    /// The order in a row whose first columns are ``columns`` (more may follow).
    static func order(_ row: PostgresRow) throws -> Order {
        var cells = Cells(row)
        guard let order = try cells.order() else {
            throw CommerceError.internalFailure("A stored order has a NULL column.")
        }
        return order
    }

    /// A row of ``columns`` (NULL in a row without an order) followed by the token's mark (`void_before`)
    /// and the tombstone (`tombstoned`): the order, if the row has one, and the two marks.
    static func markedOrder(_ row: PostgresRow) throws -> (order: Order?, voidBefore: Int64?, tombstoned: Bool) {
        var cells = Cells(row)
        let order = try cells.order()
        return (order, try cells.next(Int64?.self), try cells.next(Bool.self))
    }

    /// A row of ``PostgresUserPagesStatement``: ``markedOrder(_:)``'s, and the number of the page it belongs to.
    static func numberedMarkedOrder(_ row: PostgresRow) throws
        -> (order: Order?, voidBefore: Int64?, tombstoned: Bool, page: Int)
    {
        var cells = Cells(row)
        let order = try cells.order()
        return (order, try cells.next(Int64?.self), try cells.next(Bool.self), Int(try cells.next(Int64.self)))
    }

    /// A row's cells read in order, each as the type its column is known to hold.
    ///
    /// PostgresNIO's tuple decoding (`row.decode((UUID, …).self)`) is generic over a parameter pack, which
    /// the compiler does not specialise: each column paid a lookup of generic metadata at run time, 1.4 µs a
    /// row (Documentation/PerformanceLog.md). A cell's `decode` is inlinable, so here it is specialised for
    /// each type.
    private struct Cells {
        private var iterator: PostgresRow.Iterator

        init(_ row: PostgresRow) { iterator = row.makeIterator() }

        mutating func next<T: PostgresDecodable>(_ type: T.Type) throws -> T {
            guard let cell = iterator.next() else {
                throw CommerceError.internalFailure("A row has fewer columns than the query selects.")
            }
            return try cell.decode(T.self)
        }

        /// The order in the next ``columns``, `nil` when its id is NULL (a row without an order).
        mutating func order() throws -> Order? {
            guard let id = try next(UUID?.self) else {
                for _ in 1..<columnCount { _ = iterator.next() }
                return nil
            }
            return try StoredOrderRow.order(
                id: OrderID(uuid: id), userId: UserID(uuid: try next(UUID.self)), items: try next(String.self),
                deliveryAddress: try next(String.self), status: try next(String.self), currency: try next(String.self),
                totalMinorUnits: try next(Int64.self), createdAt: try next(Int64.self), updatedAt: try next(Int64.self),
                history: try next(String.self), version: Int(try next(Int64.self)))
        }
    }
}
