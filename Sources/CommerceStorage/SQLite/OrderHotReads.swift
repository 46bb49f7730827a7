import CommerceCore
import Foundation
import GRDB

/// The Order service's hot reads on SQLite, each **one statement**: the token's mark and the tombstone are
/// read in the same `SELECT` as the orders. A single statement reads one snapshot of a WAL database, so it
/// needs no `BEGIN`/`COMMIT` around it: a read is one statement stepped, where a read transaction of three
/// lookups was five (Documentation/Performance.md).
///
/// Every row starts with the two mark columns; the row that holds the marks says so with a non-NULL second
/// column (whether the user is tombstoned). A page is that one row `UNION ALL` the page's rows (marks NULL),
/// so SQLite streams the page from the index as it finds it: the earlier shape, the marks' row with the page
/// `LEFT JOIN`ed onto it, made SQLite copy the page into a temporary table and sort it again. SQL does not
/// promise the order of a compound's rows, so the page is put in newest-first order here, where a sort of
/// an already ordered page is one pass.
///
/// Rows are decoded while the statement is stepped (a cursor), not copied into `Row`s first.
enum OrderHotReads {
    /// The columns before the order's in every row: the token user's mark, whether the user is tombstoned.
    private static let leading = 2

    /// A user's page: arguments are the token's user (or NULL), the user twice, then the status when
    /// `status`, the cursor's `createdAt` and id when `cursor`, then the limit.
    private static func pageSQL(status: Bool, cursor: Bool) -> String {
        let filter = (status ? " AND status = ?" : "") + (cursor ? " AND (createdAt, id) < (?, ?)" : "")
        let noOrder = Array(repeating: "NULL", count: OrderRow.columnCount).joined(separator: ", ")
        return """
            SELECT (SELECT voidBefore FROM tokenRevocation WHERE userId = ?),
                EXISTS (SELECT 1 FROM tombstone WHERE userId = ?), \(noOrder)
            UNION ALL
            SELECT * FROM (
                SELECT NULL, NULL, \(OrderRow.columns) FROM "order" WHERE userId = ?\(filter)
                ORDER BY createdAt DESC, id DESC LIMIT ?
            )
            """
    }

    /// The four spellings of ``pageSQL(status:cursor:)``, made once: `[status ? 2 : 0 + cursor ? 1 : 0]`.
    private static let pages = [false, true].flatMap { status in
        [false, true].map { cursor in pageSQL(status: status, cursor: cursor) }
    }

    /// One order of a user: arguments are the token's user (or NULL), the order's id, the user.
    private static let one = """
        SELECT m.voidBefore, 0, \(OrderRow.columns(of: "o")) FROM (
            SELECT (SELECT voidBefore FROM tokenRevocation WHERE userId = ?) AS voidBefore
        ) m LEFT JOIN "order" o ON o.id = ? AND o.userId = ?
        """

    /// The user's page, `nil` when the user is tombstoned; refuses a token voided since it was issued.
    static func livePage(
        _ db: Database, of userId: UserID, status: OrderStatus?, after cursor: OrderCursor?, limit: Int,
        token: TokenStamp?
    ) throws -> [Order]? {
        let statement = try db.cachedStatement(sql: pages[(status == nil ? 0 : 2) + (cursor == nil ? 0 : 1)])
        var arguments: StatementArguments = [token?.userId.description, userId.description, userId.description]
        if let status { _ = arguments.append(contentsOf: [status.rawValue]) }
        if let cursor {
            _ = arguments.append(contentsOf: [cursor.createdAt.millisecondsSince1970, cursor.id.description])
        }
        _ = arguments.append(contentsOf: [max(0, limit)])
        return try orders(statement, arguments, token: token)
    }

    /// The user's order `id`, `nil` when there is none; refuses a token voided since it was issued.
    static func order(_ db: Database, _ id: OrderID, of userId: UserID, token: TokenStamp?) throws -> Order? {
        let statement = try db.cachedStatement(sql: one)
        let arguments: StatementArguments = [token?.userId.description, id.description, userId.description]
        return try orders(statement, arguments, token: token)?.first
    }

    /// Steps `statement`: judges the token by the marks' row, answers `nil` for a tombstoned user, and
    /// decodes the orders newest first (a row without one is the marks' row alone).
    private static func orders(_ statement: Statement, _ arguments: StatementArguments, token: TokenStamp?) throws
        -> [Order]?
    {
        let rows = try Row.fetchCursor(statement, arguments: arguments)
        var orders: [Order] = []
        var marks: (voidBefore: Int64?, tombstoned: Bool)?
        while let row = try rows.next() {
            if !row.hasNull(atIndex: 1) { marks = (row[0], row[1]) }
            if !row.hasNull(atIndex: leading) { orders.append(try OrderRow.order(row, from: leading)) }
        }
        guard let marks else { throw CommerceError.internalFailure("A hot read returned no marks row.") }
        try token?.check(voidBefore: marks.voidBefore.map(Date.init(millisecondsSince1970:)))
        if marks.tombstoned { return nil }
        orders.sort { OrderCursor(createdAt: $0.createdAt, id: $0.id).precedes($1) }
        return orders
    }
}
