import Foundation

/// Where the Order service keeps the shop's products, beside the orders that copy them (an ``OrderStore``
/// is one, so placement reads the prices and takes the stock in the same transaction that stores the order).
///
/// Contract (checked by `CatalogConformance` in CommerceTesting; every implementation must pass it):
/// - ``putProduct(_:)`` stores the product under its id, replacing one stored before (its stock too: `nil`
///   stops tracking it), and says whether it was new; ``product(_:)`` reads it back exactly.
/// - ``products(active:inStock:after:limit:)`` lists products by id ascending (byte order of the UTF-8
///   text), strictly after `after`, at most `limit`, only active or only inactive ones when `active` is
///   given, and when `inStock` is given only those that can be ordered now (`true`: untracked, or a stock
///   above zero) or only those that cannot (`false`: a stock of zero).
/// - ``adjustStock(of:by:at:)`` adds `change` (negative: takes) to the stored stock in one atomic step and
///   sets `updatedAt`: of N racing adjustments, all apply, none is lost. It refuses, changing nothing, with
///   ``CommerceError/Code/insufficientStock`` a change that would take the stock below zero, or any change
///   of an untracked product; it answers `nil` for an unknown id.
public protocol ProductCatalog: Sendable {
    /// Stores `product`, replacing the one with its id; `true` when there was none.
    func putProduct(_ product: Product) async throws -> Bool
    /// The product with this id, or `nil`.
    func product(_ id: String) async throws -> Product?
    /// Up to `limit` products by id ascending, strictly after `after`, of one activity and one availability
    /// when given.
    func products(active: Bool?, inStock: Bool?, after: String?, limit: Int) async throws -> [Product]
    /// Adds `change` to the product's stock at `date`; the product as changed, or `nil` when there is none.
    func adjustStock(of id: String, by change: Int, at date: Date) async throws -> Product?
}

extension ProductCatalog {
    /// ``products(active:inStock:after:limit:)`` whatever the stock.
    public func products(active: Bool?, after: String?, limit: Int) async throws -> [Product] {
        try await products(active: active, inStock: nil, after: after, limit: limit)
    }
}

extension Product {
    /// Whether `inStock` (see ``ProductCatalog/products(active:inStock:after:limit:)``) admits this product.
    public func matches(inStock: Bool?) -> Bool {
        guard let inStock else { return true }
        return inStock == (stock.map { $0 > 0 } ?? true)
    }

    /// This product with `change` added to its stock at `date`, as ``ProductCatalog/adjustStock(of:by:at:)``
    /// stores it.
    /// - Throws: ``CommerceError/Code/insufficientStock`` when untracked or when the stock would go below zero;
    ///   `conflict` when it would go above ``Product/maximumStock`` (the change is valid; the stock it meets
    ///   is too large for it).
    public func adjustingStock(by change: Int, at date: Date) throws(CommerceError) -> Product {
        guard let stock else {
            throw CommerceError(
                code: .insufficientStock,
                message: "The product's stock is not tracked; set it with PUT /api/product/\(id) first.")
        }
        let (sum, overflow) = stock.addingReportingOverflow(change)
        guard !overflow, sum >= 0 else { throw CommerceError.insufficientStock(available: stock) }
        guard sum <= Product.maximumStock else {
            throw CommerceError.conflict(
                "The change would take the stock above \(Product.maximumStock); \(stock) units are held.")
        }
        var changed = self
        changed.stock = sum
        changed.updatedAt = date
        return changed
    }
}

extension CommerceError {
    /// A change of stock would take it below zero: only `available` units are held.
    public static func insufficientStock(available: Int) -> CommerceError {
        CommerceError(
            code: .insufficientStock, message: "Only \(available) units are in stock; the change would go below zero.")
    }
}
