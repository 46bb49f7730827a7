import CommerceCore
import Foundation

/// The ``ProductCatalog`` contract as runnable checks, for a catalog on its own.
public enum CatalogConformance {
    /// Runs every check, each on a fresh store from `makeStore`.
    public static func run(makeStore: () async throws -> any ProductCatalog) async throws {
        try await runAll(checks, makeStore: makeStore)
    }

    /// Each check on its own, for one test case per check.
    public static let checks: [ConformanceCheck<any ProductCatalog>] = [
        ConformanceCheck("a product reads back; putting it again replaces it") { store in
            let tea = Fixtures.product("tea")
            try require(try await store.putProduct(tea), "a new product was not reported new")
            try require(try await store.product("tea") == tea, "the product did not read back")
            var dearer = tea
            dearer.price = Money(minorUnits: 599)
            dearer.active = false
            try require(!(try await store.putProduct(dearer)), "a replaced product was reported new")
            try require(try await store.product("tea") == dearer, "the replacement did not read back")
            try require(try await store.product("cup") == nil, "an unknown id found a product")
        },
        ConformanceCheck("products list by id, byte by byte, of one activity, page by page") { store in
            let ids = ["b", "a", "c", "B", "é", "a-2"]
            for (index, id) in ids.enumerated() {
                var product = Fixtures.product(id)
                product.active = index % 2 == 0
                _ = try await store.putProduct(product)
            }
            let byBytes = ids.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            let all = try await store.products(active: nil, after: nil, limit: 10).map(\.id)
            try require(all == byBytes, "not by id in byte order: \(all)")
            let active = try await store.products(active: true, after: nil, limit: 10).map(\.id)
            try require(active == byBytes.filter { ["b", "c", "é"].contains($0) }, "the active filter: \(active)")
            let first = try await store.products(active: nil, after: nil, limit: 2).map(\.id)
            let next = try await store.products(active: nil, after: first.last, limit: 10).map(\.id)
            try require(first + next == byBytes, "pages lost or repeated products")
        },
    ]
}
