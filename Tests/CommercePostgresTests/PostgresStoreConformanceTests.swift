import CommerceCore
import CommercePostgres
import CommerceTesting
import Foundation
import PostgresNIO
import Testing

@Suite(
    "PostgreSQL stores pass the conformance suite",
    .enabled(if: PostgresTestDatabase.url != nil, PostgresTestDatabase.skipReason))
struct PostgresStoreConformanceTests {
    @Test(arguments: UserStoreConformance.checks + UserStoreConformance.sharedStoreChecks)
    func userStore(_ check: ConformanceCheck<any UserStore>) async throws {
        try await PostgresTestDatabase.withIsolatedClient { client in
            let store = PostgresUserStore(client: client)
            try await store.migrate()
            try await check.run(against: store)
        }
    }

    @Test(arguments: LoginFailureConformance.checks)
    func loginFailureStore(_ check: ConformanceCheck<any LoginFailureStore>) async throws {
        try await PostgresTestDatabase.withIsolatedClient { client in
            let store = PostgresUserStore(client: client)
            try await store.migrate()
            try await check.run(against: store)
        }
    }

    @Test(arguments: WebhookConformance.checks)
    func webhookStore(_ check: ConformanceCheck<WebhookConformance.Store>) async throws {
        try await PostgresTestDatabase.withIsolatedClient { client in
            let store = PostgresOrderStore(client: client)
            try await store.migrate()
            try await check.run(against: store)
        }
    }

    @Test(arguments: OrderStoreConformance.checks)
    func orderStore(_ check: ConformanceCheck<any OrderStore>) async throws {
        try await PostgresTestDatabase.withIsolatedClient { client in
            let store = PostgresOrderStore(client: client)
            try await store.migrate()
            try await check.run(against: store)
        }
    }
}
