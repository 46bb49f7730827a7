// Your own store passes the library's store contract: one test case per conformance check.
import CommerceCore
import CommerceStorage
import CommerceTesting
import ExampleCustomStore
import Foundation
import Testing

@Suite("AuditedOrderStore keeps the OrderStore contract")
struct AuditedOrderStoreTests {
    @Test(arguments: OrderStoreConformance.checks)
    func conforms(_ check: ConformanceCheck<any OrderStore>) async throws {
        try await check.run(against: AuditedOrderStore(wrapping: InMemoryOrderStore()))
    }

    @Test func itRecordsWhatItChanged() async throws {
        let store = AuditedOrderStore(wrapping: try SQLiteOrderStore.inMemory())
        let orders = OrderService(store: store, users: StaticUserServicePeer())
        // Orders are priced from the shop's catalog: the product the sample order names.
        _ = try await store.putProduct(
            Product(
                id: "sku-0", name: "Item 0", price: CommerceHarness.samplePrice, currency: .usd, active: true,
                updatedAt: Date()))
        let userId = UserID()
        let placed = try await orders.place(CommerceHarness.sampleOrder(), as: .user(userId))
        _ = try await orders.purge(userId, as: .internalService)
        #expect(store.changes == [.inserted(placed.order.id), .purged(userId, deleted: 1)])
    }
}
