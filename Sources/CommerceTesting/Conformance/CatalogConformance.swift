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
        ConformanceCheck("a stock reads back, and lists filter by it") { store in
            _ = try await store.putProduct(Fixtures.product("a", stock: 3))
            _ = try await store.putProduct(Fixtures.product("b", stock: 0))
            _ = try await store.putProduct(Fixtures.product("c"))
            try require(try await store.product("a")?.stock == 3, "a stock of 3 did not read back")
            try require(try await store.product("c")?.stock == nil, "an untracked stock read back as tracked")
            let available = try await store.products(active: nil, inStock: true, after: nil, limit: 10).map(\.id)
            try require(
                available == ["a", "c"], "in stock should be the tracked above zero and the untracked: \(available)")
            let soldOut = try await store.products(active: nil, inStock: false, after: nil, limit: 10).map(\.id)
            try require(soldOut == ["b"], "sold out should be the stock of zero: \(soldOut)")
            _ = try await store.putProduct(Fixtures.product("a"))
            try require(try await store.product("a")?.stock == nil, "a replacement without a stock kept tracking it")
        },
        ConformanceCheck("a stock changes relatively, never below zero, and only when tracked") { store in
            _ = try await store.putProduct(Fixtures.product("tea", stock: 2))
            let later = Fixtures.hourLater
            let added = try await store.adjustStock(of: "tea", by: 5, at: later)
            try require(added?.stock == 7 && added?.updatedAt == later, "adding 5 to 2 did not answer 7 at its time")
            try await requireError(.insufficientStock, "taking 8 of 7") {
                try await store.adjustStock(of: "tea", by: -8, at: later)
            }
            try require(try await store.product("tea")?.stock == 7, "a refused change changed the stock")
            try require(try await store.adjustStock(of: "tea", by: -7, at: later)?.stock == 0, "taking all of it")
            try require(try await store.adjustStock(of: "nope", by: 1, at: later) == nil, "an unknown product changed")
            _ = try await store.putProduct(Fixtures.product("cup"))
            try await requireError(.insufficientStock, "a change of an untracked stock") {
                try await store.adjustStock(of: "cup", by: 1, at: later)
            }
            try require(try await store.product("cup")?.stock == nil, "a refused change tracked the stock")
        },
        ConformanceCheck("racing stock changes each apply") { store in
            _ = try await store.putProduct(Fixtures.product("tea", stock: 100))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<20 {
                    group.addTask {
                        _ = try await store.adjustStock(of: "tea", by: index % 2 == 0 ? 3 : -1, at: Fixtures.epoch)
                    }
                }
                try await group.waitForAll()
            }
            let stock = try await store.product("tea")?.stock
            try require(
                stock == 100 + 10 * 3 - 10, "20 racing changes summing to +20 left \(stock.map(String.init) ?? "none")")
        },
    ]
}
