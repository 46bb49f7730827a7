import CommerceCore
import CommerceStorage
import CommerceTesting
import Foundation
import Testing

@Suite("Order lifecycle on SQLite")
struct OrderLifecycleStorageTests {
    @Test func twentyConflictingTransitionsLeaveOneConsistentHistoryThatSurvivesARestart() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appending(path: "orders.sqlite").path
            let harness = try await CommerceHarness(orderStore: try SQLiteOrderStore(path: path))
            let (owner, _) = try await harness.registerAndLogIn()
            let (staff, _) = try await harness.registerAndLogInStaff()
            let placed = try await harness.orders.place(CommerceHarness.sampleOrder(), as: .user(owner.id)).order
            _ = try await harness.orders.transition(.confirm, order: placed.id, of: owner.id, as: .staff(staff.id))

            let outcomes = try await ConflictingTransitions.race(harness.orders, placed, by: staff.id)
            #expect(outcomes.failures.allSatisfy { $0 == .conflict }, "losers get 409, nothing else")
            let final = try #require(try await harness.orderStore.order(placed.id, of: owner.id))
            #expect([.cancelled, .shipped].contains(final.status))
            #expect(final.history.map(\.status) == [.pending, .confirmed, final.status], "no step skipped or repeated")
            #expect(final.version == 3)

            let reopened = try SQLiteOrderStore(path: path)
            #expect(try await reopened.order(placed.id, of: owner.id) == final, "status and history survive a restart")
        }
    }
}

/// 10 cancellations and 10 shipments of one confirmed order, all at once, by staff.
enum ConflictingTransitions {
    /// The codes of the transitions that failed (the others succeeded).
    static func race(_ orders: OrderService, _ order: Order, by staff: UserID) async throws
        -> (successes: Int, failures: [CommerceError.Code])
    {
        try await withThrowingTaskGroup(of: CommerceError.Code?.self) { group in
            for index in 0..<20 {
                group.addTask {
                    do {
                        _ = try await orders.transition(
                            index.isMultiple(of: 2) ? .cancel : .ship, order: order.id, of: order.userId,
                            as: .staff(staff))
                        return nil
                    } catch let error as CommerceError {
                        return error.code
                    }
                }
            }
            var failures: [CommerceError.Code] = []
            var successes = 0
            for try await outcome in group {
                if let outcome { failures.append(outcome) } else { successes += 1 }
            }
            return (successes, failures)
        }
    }
}
