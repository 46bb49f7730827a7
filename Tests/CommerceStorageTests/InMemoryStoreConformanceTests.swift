import CommerceCore
import CommerceStorage
import CommerceTesting
import Testing

@Suite("In-memory stores pass the conformance suite")
struct InMemoryStoreConformanceTests {
    @Test(arguments: UserStoreConformance.checks)
    func userStore(_ check: ConformanceCheck<any UserStore>) async throws {
        try await check.run(against: InMemoryUserStore())
    }

    @Test(arguments: OrderStoreConformance.checks)
    func orderStore(_ check: ConformanceCheck<any OrderStore>) async throws {
        try await check.run(against: InMemoryOrderStore())
    }

    @Test(arguments: WebhookConformance.checks)
    func webhookStore(_ check: ConformanceCheck<WebhookConformance.Store>) async throws {
        try await check.run(against: InMemoryOrderStore())
    }

    @Test(arguments: LoginFailureConformance.checks)
    func loginFailureStore(_ check: ConformanceCheck<any LoginFailureStore>) async throws {
        try await check.run(against: InMemoryLoginFailureStore())
    }
}
