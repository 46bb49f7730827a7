import Foundation

/// Where the Order service keeps the shop's products, beside the orders that copy them (an ``OrderStore``
/// is one, so placement reads the prices in the same transaction that stores the order).
///
/// Contract (checked by `CatalogConformance` in CommerceTesting; every implementation must pass it):
/// - ``putProduct(_:)`` stores the product under its id, replacing one stored before, and says whether it
///   was new; ``product(_:)`` reads it back exactly.
/// - ``products(active:after:limit:)`` lists products by id ascending (byte order of the UTF-8 text),
///   strictly after `after`, at most `limit`, only active or only inactive ones when `active` is given.
public protocol ProductCatalog: Sendable {
    /// Stores `product`, replacing the one with its id; `true` when there was none.
    func putProduct(_ product: Product) async throws -> Bool
    /// The product with this id, or `nil`.
    func product(_ id: String) async throws -> Product?
    /// Up to `limit` products by id ascending, strictly after `after`, of one activity when given.
    func products(active: Bool?, after: String?, limit: Int) async throws -> [Product]
}
