import CommerceCore
import Foundation
import Testing

@Suite("Stock rules")
struct StockRulesTests {
    static let now = Date(millisecondsSince1970: 1_767_225_600_000)

    static func product(_ id: String, stock: Int?) -> Product {
        Product(
            id: id, name: id.capitalized, price: Money(minorUnits: 500), currency: .usd, active: true,
            updatedAt: now, stock: stock)
    }

    static func pricing(_ lines: [(String, Int)]) -> CatalogPricing {
        CatalogPricing(
            lines: lines.map { CatalogPricing.Line(productId: $0.0, quantity: $0.1, requestedPrice: nil) },
            requestedCurrency: nil)
    }

    @Test func linesOfOneProductAreSummedAndUntrackedProductsTakeNothing() throws {
        let catalog = ["mug": Self.product("mug", stock: 5), "pen": Self.product("pen", stock: nil)]
        let take = try Self.pricing([("mug", 2), ("pen", 100), ("mug", 3)]).stockToTake(from: catalog)
        #expect(take == ["mug": 5])
    }

    @Test func everyShortProductIsNamedWithWhatIsLeft() {
        let catalog = [
            "mug": Self.product("mug", stock: 1), "cap": Self.product("cap", stock: 0),
            "tee": Self.product("tee", stock: 9),
        ]
        let error = #expect(throws: CommerceError.self) {
            try Self.pricing([("cap", 1), ("tee", 2), ("mug", 1), ("mug", 1)]).stockToTake(from: catalog)
        }
        #expect(error?.code == .outOfStock)
        #expect(
            error?.shortfalls == [
                StockShortfall(productId: "cap", requested: 1, available: 0),
                StockShortfall(productId: "mug", requested: 2, available: 1),
            ])
    }

    @Test func aFormsStockIsAWholeNumberInRangeOrAbsent() throws {
        func product(stock: Int?) throws -> Product {
            try Product(id: "mug", form: ProductForm(name: "Mug", price: 5, stock: stock), updatedAt: Self.now)
        }
        #expect(try product(stock: nil).stock == nil)
        #expect(try product(stock: 0).stock == 0)
        for bad in [-1, Product.maximumStock + 1] {
            let error = #expect(throws: CommerceError.self) { try product(stock: bad) }
            #expect(error?.fields.map(\.field) == ["stock"])
        }
    }
}
