// The tests Documentation/Testing.md shows, exactly as it shows them: compiled and run in CI with the
// package's own settings (MemberImportVisibility: a file imports every module whose members it uses).
// `TestingGuideTests` checks that every Swift block of the guide stands here, to the letter.
import CommerceCore
import CommerceInMemory
import CommerceTesting
import Testing

@Suite("The testing guide's examples")
struct DocumentedTests {
    @Test func deletingAUserPurgesTheirOrdersEvenWhenTheOrderServiceFailsTwice() async throws {
        let harness = try await CommerceHarness()
        let (user, _) = try await harness.registerAndLogIn()
        _ = try await harness.orders.place(CommerceHarness.sampleOrder(), as: .user(user.id))

        await harness.orderPeer.plan.failNext(2)
        #expect(try await harness.users.delete(user.id, as: .user(user.id)).orders == .pending)

        try await harness.withBackgroundServicesRunning {
            let purged = try await eventually { try await harness.orderStore.isTombstoned(user.id) }
            #expect(purged)
        }
    }

    @Test func anIdempotencyKeyIsForgottenAfterADay() async throws {
        let clock = TestClock()
        let harness = try await CommerceHarness(clock: clock)
        let (user, _) = try await harness.registerAndLogIn()
        let order = CommerceHarness.sampleOrder()
        let first = try await harness.orders.place(order, idempotencyKey: "cart-1", as: .user(user.id))
        #expect(try await harness.orders.place(order, idempotencyKey: "cart-1", as: .user(user.id)).replayed)

        clock.advance(by: .seconds(24 * 3600))  // the key's record has expired
        let again = try await harness.orders.place(order, idempotencyKey: "cart-1", as: .user(user.id))
        #expect(again.order.id != first.order.id)
    }

    @Test func aRestartResumesAPendingDeletion() async throws {
        let userStore = InMemoryUserStore()
        let orderStore = InMemoryOrderStore()
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

    @Test func yourOwnStoresRunTheSameFlows() async throws {
        // Any UserStore and OrderStore: yours, once it passes the conformance suite.
        let harness = try await CommerceHarness(userStore: InMemoryUserStore(), orderStore: InMemoryOrderStore())
        let (user, _) = try await harness.registerAndLogIn()
        let placed = try await harness.orders.place(CommerceHarness.sampleOrder(), as: .user(user.id))
        #expect(try await harness.orderStore.orders(of: user.id, after: nil, limit: 10) == [placed.order])
    }
}
