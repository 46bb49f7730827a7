import CommerceCore
import Foundation

/// The Order service's hot reads on SQLite, each **one statement**: the token's mark and the tombstone are
/// read in the same `SELECT` as the orders. A single statement reads one snapshot of a WAL database, so it
/// needs no `BEGIN`/`COMMIT` around it: a read is one statement stepped, where a read transaction of three
/// lookups was five (Documentation/PerformanceLog.md).
///
/// Every row starts with the two mark columns; the row that holds the marks says so with a non-NULL second
/// column (whether the user is tombstoned). A page is that one row `UNION ALL` the page's rows (marks NULL).
/// The page is found as row ids, streamed from `order_user_newest` (named, so a status filter cannot make
/// SQLite walk every customer's orders of that status through `order_status`), and each row id is then read
/// from the table. Two earlier shapes cost more: the page `LEFT JOIN`ed onto the marks' row made SQLite copy
/// the page into a temporary table and sort it again, and the page's whole rows in a subquery made it copy
/// every text column out of the subquery (Documentation/PerformanceLog.md). SQL does not promise the order of
/// a compound's or a join's rows, so the page is put in newest-first order here, where a sort of an already
/// ordered page is one pass.
///
/// They run on a store-owned ``SQLiteReadConnection``, and rows are decoded while the statement is stepped.
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
            SELECT NULL, NULL, \(OrderRow.columns(of: "o")) FROM (
                SELECT rowid AS at FROM "order" INDEXED BY order_user_newest WHERE userId = ?\(filter)
                ORDER BY createdAt DESC, id DESC LIMIT ?
            ) page CROSS JOIN "order" o ON o.rowid = page.at
            """
    }

    /// The four spellings of ``pageSQL(status:cursor:)``, prepared once per connection:
    /// `[status ? 2 : 0 + cursor ? 1 : 0]`.
    private static let pages = [false, true].flatMap { status in
        [false, true].map { cursor in
            SQLiteReadQuery(slot: (status ? 2 : 0) + (cursor ? 1 : 0), sql: pageSQL(status: status, cursor: cursor))
        }
    }

    /// Every statement here, for tests that read their query plans.
    static var queries: [SQLiteReadQuery] { pages + [one] }

    /// One order of a user: arguments are the token's user (or NULL), the order's id, the user.
    private static let one = SQLiteReadQuery(
        slot: pages.count,
        sql: """
            SELECT m.voidBefore, 0, \(OrderRow.columns(of: "o")) FROM (
                SELECT (SELECT voidBefore FROM tokenRevocation WHERE userId = ?) AS voidBefore
            ) m LEFT JOIN "order" o ON o.id = ? AND o.userId = ?
            """)

    /// The user's page with the marks read in the same statement: `markOf`'s revocation mark (none when
    /// `nil`) and whether the user is tombstoned. The caller judges the token and the tombstone.
    static func livePage(
        _ connection: SQLiteReadConnection, of userId: UserID, status: OrderStatus?, after cursor: OrderCursor?,
        limit: Int, markOf markUser: UserID?
    ) throws -> OrderPageCache.Page {
        let statement = try connection.statement(pages[(status == nil ? 0 : 2) + (cursor == nil ? 0 : 1)])
        return try rows(statement) { arguments in
            try arguments.bind(markUser?.description)
            try arguments.bind(userId.description)
            try arguments.bind(userId.description)
            if let status { try arguments.bind(status.rawValue) }
            if let cursor {
                try arguments.bind(cursor.createdAt.millisecondsSince1970)
                try arguments.bind(cursor.id.description)
            }
            try arguments.bind(Int64(max(0, limit)))
        }
    }

    /// The user's order `id`, `nil` when there is none; refuses a token voided since it was issued.
    static func order(_ connection: SQLiteReadConnection, _ id: OrderID, of userId: UserID, token: CallerToken?)
        throws -> Order?
    {
        try orders(try connection.statement(one), token: token) { arguments in
            try arguments.bind(token?.userId.description)
            try arguments.bind(id.description)
            try arguments.bind(userId.description)
        }?.first
    }

    /// Steps `statement` with the arguments `bind` binds: judges the token by the marks' row, answers `nil`
    /// for a tombstoned user, and decodes the orders newest first.
    private static func orders(
        _ statement: SQLiteRawStatement, token: CallerToken?, bind: (inout SQLiteBindings) throws -> Void
    ) throws -> [Order]? {
        let page = try rows(statement, bind: bind)
        try token?.check(voidBefore: page.voidBefore)
        return page.tombstoned ? nil : page.orders
    }

    /// Steps `statement` with the arguments `bind` binds: the marks' row and the orders, newest first (a row
    /// without one is the marks' row alone).
    private static func rows(
        _ statement: SQLiteRawStatement, bind: (inout SQLiteBindings) throws -> Void
    ) throws -> OrderPageCache.Page {
        var orders: [Order] = []
        var marks: (voidBefore: Int64?, tombstoned: Bool)?
        try statement.rows(bind: bind) { row in
            if !row.isNull(at: 1) { marks = (row.isNull(at: 0) ? nil : row.int64(at: 0), row.int64(at: 1) != 0) }
            if !row.isNull(at: leading) { orders.append(try OrderRow.order(row, from: leading)) }
        }
        guard let marks else { throw CommerceError.internalFailure("A hot read returned no marks row.") }
        orders.sort { OrderCursor(createdAt: $0.createdAt, id: $0.id).precedes($1) }
        return OrderPageCache.Page(
            voidBefore: marks.voidBefore.map(Date.init(millisecondsSince1970:)), tombstoned: marks.tombstoned,
            orders: orders)
    }
}
