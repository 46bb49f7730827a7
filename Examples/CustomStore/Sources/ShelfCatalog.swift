// One store concern written on its own: a `ProductCatalog`, judged by the catalog's conformance group
// alone (see ../Tests). A store author implements the concerns they need; each has its own contract.
import CommerceCore
import Foundation

/// A catalog kept in memory, as a shop might keep one loaded from its own product feed.
public actor ShelfCatalog: ProductCatalog {
    private var shelf: [String: Product] = [:]

    public init() {}

    public func putProduct(_ product: Product) -> Bool {
        shelf.updateValue(product, forKey: product.id) == nil
    }

    public func product(_ id: String) -> Product? { shelf[id] }

    /// One actor turn, so racing adjustments each apply; the rule (never below zero) is the library's.
    public func adjustStock(of id: String, by change: Int, at date: Date) throws -> Product? {
        guard let product = shelf[id] else { return nil }
        let changed = try product.adjustingStock(by: change, at: date)
        shelf[id] = changed
        return changed
    }

    /// By id in the byte order of its UTF-8 text, as the contract asks (not Swift's `String` order).
    public func products(active: Bool?, inStock: Bool?, after: String?, limit: Int) -> [Product] {
        shelf.values
            .filter { product in active.map { product.active == $0 } ?? true }
            .filter { product in product.matches(inStock: inStock) }
            .filter { product in after.map { $0.utf8.lexicographicallyPrecedes(product.id.utf8) } ?? true }
            .sorted { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) }
            .prefix(max(0, limit))
            .map { $0 }
    }
}
