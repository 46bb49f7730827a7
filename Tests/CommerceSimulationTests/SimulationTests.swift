import CommerceCore
import CommerceInMemory
import CommerceSimulation
import CommerceStorage
import CommerceTesting
import Foundation
import Synchronization
import Testing

/// The simulator: a seed replays to the same trace, seeds differ, the library's stores keep every invariant
/// over many seeds, and a broken invariant is reported.
@Suite("Simulation")
struct SimulationTests {
    /// SQLite answers from its own queue, at times no seed decides: its runs race nothing, so they replay.
    static let sqliteRuns = SimulationRun.Configuration(races: false)

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
            let outcome = try await SimulationRun(seed: seed, configuration: Self.sqliteRuns, stores: sqlite).run()
            broken += outcome.violations.map { "seed \(seed): \($0)" }
        }
        #expect(broken.isEmpty, "\(broken.prefix(5))")
        let first = try await SimulationRun(seed: 7, configuration: Self.sqliteRuns, stores: sqlite).run()
        let again = try await SimulationRun(seed: 7, configuration: Self.sqliteRuns, stores: sqlite).run()
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

    /// A run of seed 9, stepped until it has placed an order, and that order.
    static func runUntilAnOrderIsPlaced() async throws -> (SimulationRun, Order) {
        let run = try await SimulationRun(seed: 9)
        var placed: [Order] = []
        while placed.isEmpty, run.step < 150 {
            try await run.next()
            placed = try await run.harness.orderStore.allOrders(status: nil, after: nil, limit: 10, token: nil)
        }
        return (run, try #require(placed.first, "seed 9 placed nothing in 150 steps"))
    }

    @Test func ordersLostBehindTheWorkloadsBackAreReported() async throws {
        let (run, lost) = try await Self.runUntilAnOrderIsPlaced()
        _ = try await run.harness.orderStore.purge(lost.userId, at: Date())
        try await run.next()
        #expect(run.violations.map(\.invariant).contains(.acknowledgedOrdersKept))
    }

    @Test func aProfileChangedBehindTheWorkloadsBackIsReported() async throws {
        let (run, placed) = try await Self.runUntilAnOrderIsPlaced()
        let owner = placed.userId
        let record = try #require(try await run.harness.userStore.user(id: owner))
        var renamed = record.user
        renamed.username = try Username("Someone Else")
        #expect(try await run.harness.userStore.updateProfile(renamed, ifUpdatedAt: record.user.updatedAt))
        try await run.next()
        #expect(run.violations.map(\.invariant).contains(.acknowledgedProfilesKept))
    }

    @Test func anOrderNobodyAcknowledgedIsToldToTheSubscriber() async throws {
        let run = try await SimulationRun(seed: 11)
        for _ in 0..<20 { try await run.next() }
        #expect(run.violations.isEmpty)
        let stranger = Order(
            id: OrderID(), userId: UserID(),
            items: [OrderItem(productId: "sku-0", name: "Item 0", quantity: 1, unitPrice: Money(minorUnits: 999))],
            deliveryAddress: "1 Nowhere Lane", status: .pending, currency: .usd, total: Money(minorUnits: 999),
            createdAt: run.harness.clock.now(), updatedAt: run.harness.clock.now())
        _ = try await run.harness.orderStore.insert(stranger, idempotency: nil, now: run.harness.clock.now())
        let outcome = try await run.run()
        #expect(outcome.violations.map(\.invariant).contains(.orderEventsDelivered))
    }
}

/// Real bugs, planted in the in-memory Order store behind a switch only this package can reach: the
/// simulator finds each within its default seed budget, by the invariant it breaks.
@Suite("Planted bugs")
struct PlantedBugTests {
    @Test(arguments: [
        (PlantedBug.oversell, SimulationInvariant.stockConserved),
        (.lostRevocation, .revokedTokensRefused),
        (.skippedHistoryStep, .legalHistory),
        (.eventOutsideTransaction, .orderEventsDelivered),
        (.revocationMarkMovesBack, .revokedTokensRefused),
    ])
    func eachIsFoundWithinTheDefaultSeedBudget(bug: PlantedBug, breaks invariant: SimulationInvariant) async throws {
        var found: UInt64?
        for seed in UInt64(0)..<UInt64(SimulationRun.defaultSeedBudget) where found == nil {
            let run = try await SimulationRun(seed: seed) { SimulationRun.inMemoryStores(planting: [bug]) }
            let outcome = try await run.run()
            if outcome.violations.contains(where: { $0.invariant == invariant }) { found = seed }
        }
        #expect(found != nil, "\(bug.rawValue) went unnoticed in \(SimulationRun.defaultSeedBudget) seeds")
    }
}

/// The executor races run on: the seed, not Swift's scheduler, decides where one racer overtakes another.
@Suite("Simulation executor")
struct SimulationExecutorTests {
    /// Where each racer was at each of its yields, in the order they ran.
    final class Log: Sendable {
        private let entries = Mutex<[String]>([])
        func add(_ entry: String) { entries.withLock { $0.append(entry) } }
        var all: [String] { entries.withLock { $0 } }
    }

    static func interleaving(seed: UInt64) async -> [String] {
        let log = Log()
        let racers: [@Sendable () async -> Int] = (0..<3).map { racer in
            {
                for step in 0..<4 {
                    log.add("\(racer).\(step)")
                    await Task.yield()
                }
                return racer
            }
        }
        let (results, _) = await SimulationExecutor().race(racers, random: SimulationRandom(seed: seed))
        #expect(results == [0, 1, 2], "results come back in the racers' order")
        return log.all
    }

    @Test func aSeedDecidesTheInterleavingAndReplaysIt() async {
        let first = await Self.interleaving(seed: 1)
        #expect(await Self.interleaving(seed: 1) == first, "seed 1 interleaved differently")
        var seen: Set<[String]> = [first]
        for seed in UInt64(2)..<12 { seen.insert(await Self.interleaving(seed: seed)) }
        #expect(seen.count > 5, "ten seeds made \(seen.count) interleavings")
        // Run one after another, three racers switch twice; more switches mean one overtook another mid-way.
        let switches = seen.map { log in zip(log, log.dropFirst()).filter { $0.prefix(1) != $1.prefix(1) }.count }
        #expect(switches.contains { $0 > 2 }, "no racer was ever overtaken mid-way")
    }
}
