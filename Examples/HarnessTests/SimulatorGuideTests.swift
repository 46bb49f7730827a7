// The simulator's example in Documentation/Testing.md ("The simulator"), exactly as it shows it.
import CommerceInMemory
import CommerceSimulation
import Testing

@Suite("The testing guide's simulator example")
struct SimulatorGuideTests {
    @Test func yourOwnStoresKeepEveryInvariantUnderTheSimulator() async throws {
        // Any UserStore and OrderStore, new and empty for each run: yours, once it passes the conformance suite.
        for seed in UInt64(0)..<20 {
            let run = try await SimulationRun(seed: seed) { (InMemoryUserStore(), InMemoryOrderStore()) }
            let outcome = try await run.run()
            #expect(outcome.violations.isEmpty, "seed \(seed): \(outcome.violations)")
        }
    }
}
