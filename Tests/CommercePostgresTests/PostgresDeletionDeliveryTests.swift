import CommerceCore
import CommerceInMemory
import CommercePostgres
import CommerceTesting
import Foundation
import PostgresNIO
import Testing

/// A deletion recorded on PostgreSQL while the Order service is down reaches it soon after it comes back,
/// not when the recording replica's prompt-delivery hold runs out.
@Suite(
    "PostgreSQL: deletions after a failed prompt try",
    .enabled(if: PostgresTestDatabase.url != nil, PostgresTestDatabase.skipReason))
struct PostgresDeletionDeliveryTests {
    @Test func aFailedPromptTryHandsTheEventToTheLoopAtOnce() async throws {
        try await PostgresTestDatabase.withIsolatedClient { client in
            // The default hold: half of the 60 s lease. Waiting it out would take 30 s.
            let users = PostgresUserStore(client: client, promptDeliveryWindow: .seconds(30))
            try await users.migrate()
            let orders = InMemoryOrderStore()
            let harness = try await CommerceHarness(userStore: users, orderStore: orders)
            let (user, _) = try await harness.registerAndLogIn()
            await harness.orderPeer.plan.goDown()
            #expect(try await harness.users.delete(user.id, as: .user(user.id)).orders == .pending)

            // The prompt try has failed; the Order service answers again.
            await harness.orderPeer.plan.heal()
            try await harness.withBackgroundServicesRunning {
                let healed = ContinuousClock.now
                let purged = try await eventually(timeout: .seconds(10)) { try await orders.isTombstoned(user.id) }
                #expect(purged)
                #expect(ContinuousClock.now - healed < .seconds(3), "delivered soon after the Order service answers")
                // The propagator marks the event delivered once the purge has answered: wait for it while it runs.
                let marked = try await eventually { try await users.outboxBacklog().count == 0 }
                #expect(marked)
            }
        }
    }
}
