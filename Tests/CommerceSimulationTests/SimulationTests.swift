import CommerceCore
import CommerceSimulation
import CommerceStorage
import CommerceTesting
import Foundation
import Testing

/// The simulator: a seed replays to the same trace, seeds differ, the library's stores keep every invariant
/// over many seeds, and a broken invariant is reported.
@Suite("Simulation")
struct SimulationTests {
    @Test func aSeedReplaysToTheSameTraceAndAnotherSeedDoesNot() async throws {
        let first = try await SimulationRun(seed: 42).run()
        let again = try await SimulationRun(seed: 42).run()
        let other = try await SimulationRun(seed: 43).run()
        #expect(first.traceHash == again.traceHash, "seed 42 replayed differently")
        #expect(first.traceHash != other.traceHash, "seeds 42 and 43 made one trace")
        #expect(first.steps == 150)
    }

    @Test func theInMemoryStoresKeepEveryInvariantOverManySeeds() async throws {
        var broken: [String] = []
        for seed in UInt64(0)..<40 {
            let outcome = try await SimulationRun(seed: seed).run()
            broken += outcome.violations.map { "seed \(seed): \($0)" }
        }
        #expect(broken.isEmpty, "\(broken.prefix(5))")
    }

    @Test func theSQLiteStoresKeepEveryInvariantAndReplayAlike() async throws {
        let sqlite = { () throws -> (users: any UserStore, orders: any OrderStore) in
            (try SQLiteUserStore.inMemory(), try SQLiteOrderStore.inMemory())
        }
        var broken: [String] = []
        for seed in UInt64(100)..<110 {
            let outcome = try await SimulationRun(seed: seed, stores: sqlite).run()
            broken += outcome.violations.map { "seed \(seed): \($0)" }
        }
        #expect(broken.isEmpty, "\(broken.prefix(5))")
        let first = try await SimulationRun(seed: 7, stores: sqlite).run()
        let again = try await SimulationRun(seed: 7, stores: sqlite).run()
        #expect(first.traceHash == again.traceHash, "seed 7 replayed differently on SQLite")
    }
}

/// The invariants are not vacuous: state changed behind the workload's back is reported by name.
@Suite("Simulation invariants")
struct SimulationInvariantTests {
    @Test func stockChangedBehindTheWorkloadsBackBreaksConservation() async throws {
        let run = try await SimulationRun(seed: 5)
        for _ in 0..<20 { try await run.next() }
        #expect(run.violations.isEmpty)
        try await run.harness.setStock(of: "sku-1", to: 1000)
        try await run.next()
        #expect(run.violations.map(\.invariant).contains(.stockConserved))
    }

    @Test func ordersLostBehindTheWorkloadsBackAreReported() async throws {
        let run = try await SimulationRun(seed: 9)
        var placed: [Order] = []
        while placed.isEmpty, run.step < 150 {
            try await run.next()
            placed = try await run.harness.orderStore.allOrders(status: nil, after: nil, limit: 10, token: nil)
        }
        let lost = try #require(placed.first, "seed 9 placed nothing in 150 steps")
        _ = try await run.harness.orderStore.purge(lost.userId, at: Date())
        try await run.next()
        #expect(run.violations.map(\.invariant).contains(.acknowledgedOrdersKept))
    }

    @Test func aChangeNobodyAcknowledgedIsToldToTheSubscriber() async throws {
        let run = try await SimulationRun(seed: 11)
        var pending: Order?
        while pending == nil, run.step < 150 {
            try await run.next()
            pending = try await run.harness.orderStore.allOrders(status: .pending, after: nil, limit: 1, token: nil)
                .first
        }
        let order = try #require(pending, "seed 11 left no pending order in 150 steps")
        let entry = OrderHistoryEntry(status: .confirmed, at: order.updatedAt, by: .staff)
        _ = try await run.harness.orderStore.transition(order, to: entry)
        let outcome = try await run.run()
        #expect(outcome.violations.map(\.invariant).contains(.orderEventsDelivered))
    }
}
