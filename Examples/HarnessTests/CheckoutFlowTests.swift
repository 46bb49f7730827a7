// How an app's own tests use CommerceTesting: both services in-process, with the Order service failing
// twice before it answers, and no sleeps — `eventually` polls with a deadline.
import CommerceCore
import CommerceInMemory
import CommerceTesting
import Testing

@Suite("An app's checkout flow, tested with CommerceHarness")
struct CheckoutFlowTests {
    @Test func deletingAUserPurgesTheirOrdersEvenWhenTheOrderServiceFailsTwice() async throws {
        let harness = try await CommerceHarness()
        let (user, _) = try await harness.registerAndLogIn()
        _ = try await harness.orders.place(CommerceHarness.sampleOrder(items: 3), as: .user(user.id))

        await harness.orderPeer.plan.failNext(2)  // the Order service is down for two calls
        let deletion = try await harness.users.delete(user.id, as: .user(user.id))
        #expect(deletion.orders == .pending)

        try await harness.withBackgroundServicesRunning {
            let purged = try await eventually { try await harness.orderStore.isTombstoned(user.id) }
            #expect(purged)
        }
        #expect(try await harness.orderStore.orders(of: user.id, after: nil, limit: 10).isEmpty)
        #expect(await harness.orderPeer.plan.calls == 3)
    }

    @Test func placingAnOrderRetriesAUserServiceThatFailsTwice() async throws {
        let harness = try await CommerceHarness()
        let (user, _) = try await harness.registerAndLogIn()
        await harness.userPeer.plan.failNext(2, with: .timeout)
        let placed = try await harness.orders.place(CommerceHarness.sampleOrder(), as: .user(user.id))
        #expect(placed.order.status == .pending)
        #expect(await harness.userPeer.plan.calls == 3)
    }
}
