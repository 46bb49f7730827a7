import CommerceCore
import CommerceInMemory
import CommerceTesting
import Foundation
import Testing

@Suite("Expired records are swept")
struct ExpirySweeperTests {
    @Test func aRunningSweeperRemovesARecordWithinAnIntervalOfItsExpiry() async throws {
        let clock = TestClock()
        let orderStore = InMemoryOrderStore()
        let harness = try await CommerceHarness(clock: clock, orderStore: orderStore)
        let (user, _) = try await harness.registerAndLogIn()
        let placed = try await harness.orders.place(
            CommerceHarness.sampleOrder(), idempotencyKey: "k", as: .user(user.id))
        let key = try IdempotencyKey("k")
        let sweeper = harness.orderService.sweeper

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await sweeper.run() }
            defer { group.cancelAll() }
            // Its first sweep finds nothing expired; it then sleeps for its 30 s interval.
            #expect(await eventually { clock.sleeperCount > 0 })
            #expect(try await orderStore.idempotentOrder(userId: user.id, key: key, now: clock.now()) != nil)

            clock.advance(by: .seconds(24 * 3600 + 30))  // expired, and the next sweep is due
            let swept = try await eventually {
                // Asked as of the placement, a record still stored would answer; only a deleted one cannot.
                try await orderStore.idempotentOrder(userId: user.id, key: key, now: placed.order.createdAt) == nil
            }
            #expect(swept, "the record is gone")
        }
        #expect(try await orderStore.orders(of: user.id, after: nil, limit: 10) == [placed.order], "the order stays")
    }

    @Test func aSweepGoesBatchByBatchUntilNothingIsLeft() async throws {
        let clock = TestClock()
        let orderStore = InMemoryOrderStore()
        let harness = try await CommerceHarness(clock: clock, orderStore: orderStore)
        let (user, _) = try await harness.registerAndLogIn()
        for index in 0..<7 {
            _ = try await harness.orders.place(
                CommerceHarness.sampleOrder(), idempotencyKey: "k\(index)", as: .user(user.id))
        }
        clock.advance(by: .seconds(24 * 3600))
        let sweeper = ExpirySweeper.idempotencyRecords(of: orderStore, configuration: .init(batchSize: 3), clock: clock)
        #expect(try await sweeper.sweep() == 7)
        #expect(try await sweeper.sweep() == 0)
    }

    @Test func theUserServicesSweeperRemovesExpiredRefreshTokens() async throws {
        let clock = TestClock()
        let userStore = InMemoryUserStore()
        let harness = try await CommerceHarness(clock: clock, userStore: userStore)
        let (user, _) = try await harness.registerAndLogIn()
        let signIn = try await harness.users.login(email: user.email.value, password: "correct horse battery")
        clock.advance(by: signIn.refreshExpiresIn)
        #expect(try await harness.userService.sweeper.sweep() >= 1, "the expired refresh token is swept")
        #expect(try await userStore.sweepExpiredRefreshTokens(now: clock.now(), limit: 10) == 0, "nothing left")
    }
}
