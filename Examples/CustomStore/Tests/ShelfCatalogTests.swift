// A store of one concern runs that concern's conformance group alone: one test case per check.
import CommerceCore
import CommerceTesting
import ExampleCustomStore
import Testing

@Suite("ShelfCatalog keeps the ProductCatalog contract")
struct ShelfCatalogTests {
    @Test(arguments: CatalogConformance.checks)
    func conforms(_ check: ConformanceCheck<any ProductCatalog>) async throws {
        try await check.run(against: ShelfCatalog())
    }
}
