import CommerceCore
import CommercePostgres
import CommerceTesting
import Foundation
import Testing

@Suite(
    "Order lifecycle on PostgreSQL",
    .enabled(if: PostgresTestDatabase.url != nil, PostgresTestDatabase.skipReason))
struct PostgresOrderLifecycleTests {
    @Test func twentyConflictingTransitionsLeaveOneConsistentHistory() async throws {
        try await PostgresTestDatabase.withIsolatedClient { client in
            let store = PostgresOrderStore(client: client)
            try await store.migrate()
            let harness = try await CommerceHarness(orderStore: store)
            let (owner, _) = try await harness.registerAndLogIn()
            let (staff, _) = try await harness.registerAndLogInStaff()
            let placed = try await harness.orders.place(CommerceHarness.sampleOrder(), as: .user(owner.id)).order
            _ = try await harness.orders.transition(.confirm, order: placed.id, of: owner.id, as: .staff(staff.id))

            // Two services on one database, as two replicas would be: each takes half of the racing calls.
            let other = try await CommerceHarness(orderStore: store)
            async let first = Self.race(harness.orders, placed, staff.id, actions: [.cancel, .ship])
            async let second = Self.race(other.orders, placed, staff.id, actions: [.ship, .cancel])
            let failures = try await first + second
            #expect(failures.allSatisfy { $0 == .conflict }, "losers get 409, nothing else")
            let final = try #require(try await store.order(placed.id, of: owner.id))
            #expect([.cancelled, .shipped].contains(final.status))
            #expect(final.history.map(\.status) == [.pending, .confirmed, final.status], "no step skipped or repeated")
            #expect(final.version == 3)
        }
    }

    /// Ten transitions at once, alternating `actions`; the codes of those that failed.
    static func race(_ orders: OrderService, _ order: Order, _ staff: UserID, actions: [OrderAction]) async throws
        -> [CommerceError.Code]
    {
        try await withThrowingTaskGroup(of: CommerceError.Code?.self) { group in
            for index in 0..<10 {
                group.addTask {
                    do {
                        _ = try await orders.transition(
                            actions[index % 2], order: order.id, of: order.userId, as: .staff(staff))
                        return nil
                    } catch let error as CommerceError {
                        return error.code
                    }
                }
            }
            return try await group.reduce(into: []) { if let code = $1 { $0.append(code) } }
        }
    }
}
