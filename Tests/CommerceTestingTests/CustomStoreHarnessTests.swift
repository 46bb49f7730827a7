import CommerceCore
import CommerceTesting
import Foundation
import Testing

/// An app that writes its own stores tests its flows on them with the same harness as on the in-memory
/// ones: the stores here are written in this test target.
@Suite("CommerceHarness on stores of your own")
struct CustomStoreHarnessTests {
    @Test func theTestTargetsOwnStoresPassTheConformanceSuite() async throws {
        try await UserStoreConformance.run { LockedUserStore() }
        try await OrderStoreConformance.run { LockedOrderStore() }
    }

    @Test func aDeletionReachesYourOrderStoreThroughAFailingPeer() async throws {
        let userStore = LockedUserStore()
        let orderStore = LockedOrderStore()
        let harness = try await CommerceHarness(userStore: userStore, orderStore: orderStore)
        let (user, _) = try await harness.registerAndLogIn()
        _ = try await harness.orders.place(CommerceHarness.sampleOrder(items: 2), as: .user(user.id))
        #expect(try await orderStore.orders(of: user.id, after: nil, limit: 10).count == 1)

        await harness.orderPeer.plan.failNext(2)
        #expect(try await harness.users.delete(user.id, as: .user(user.id)).orders == .pending)
        #expect(try await userStore.outboxBacklog().count == 1)

        try await harness.withBackgroundServicesRunning {
            let purged = try await eventually { try await orderStore.isTombstoned(user.id) }
            #expect(purged)
        }
        #expect(try await orderStore.orders(of: user.id, after: nil, limit: 10).isEmpty)
        #expect(try await eventually { try await userStore.outboxBacklog().count == 0 })
    }

    @Test func aRestartOnYourStoresResumesAPendingDeletion() async throws {
        let userStore = LockedUserStore()
        let orderStore = LockedOrderStore()
        let before = try await CommerceHarness(userStore: userStore, orderStore: orderStore)
        let (user, _) = try await before.registerAndLogIn()
        await before.orderPeer.plan.goDown()
        #expect(try await before.users.delete(user.id, as: .user(user.id)).orders == .pending)

        let after = try await CommerceHarness(userStore: userStore, orderStore: orderStore)
        try await after.withBackgroundServicesRunning {
            let purged = try await eventually { try await orderStore.isTombstoned(user.id) }
            #expect(purged)
        }
    }

    @Test func anIdempotencyKeyExpiresOnTheHarnessClock() async throws {
        let clock = TestClock()
        let harness = try await CommerceHarness(clock: clock, orderStore: LockedOrderStore())
        let (user, _) = try await harness.registerAndLogIn()
        let first = try await harness.orders.place(
            CommerceHarness.sampleOrder(), idempotencyKey: "k-1", as: .user(user.id))
        let retry = try await harness.orders.place(
            CommerceHarness.sampleOrder(), idempotencyKey: "k-1", as: .user(user.id))
        #expect(retry.replayed && retry.order.id == first.order.id)

        clock.advance(by: .seconds(24 * 3600 + 1))
        let later = try await harness.orders.place(
            CommerceHarness.sampleOrder(), idempotencyKey: "k-1", as: .user(user.id))
        #expect(!later.replayed && later.order.id != first.order.id)
    }
}
