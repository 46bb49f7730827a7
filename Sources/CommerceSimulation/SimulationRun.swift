import CommerceCore
import CommerceInMemory
import CommerceSupport
import CommerceTesting
import Crypto
import Foundation

/// One seeded run of both services in one process (``CommerceHarness``), driven one step at a time: a
/// random workload of what users and staff do, some of it raced, with faults — the User service's answers
/// failing or lost, the Order service down for a while or its answers lost, the order-events subscriber's
/// endpoint down or its answers lost, both services crashing and coming back over the same stores — and
/// every invariant (``SimulationInvariant``) checked after each step.
///
/// Determinism: every choice comes from the seed (``SimulationRandom``), the deletion policy included;
/// steps run one after another, each awaited to its end; a race's requests run on the run's
/// ``SimulationExecutor``, one job at a time in an order drawn from the seed, with a yield at every store
/// call; the clock moves a millisecond a step and otherwise only by the seed's steps and the services' own
/// back-offs (``SimulatedClock``); retries have no jitter and no time-outs that could race an answer; the
/// outbox's lanes are delivered one after another, in an order the seed chooses. So Swift's scheduler
/// decides nothing the trace records, as long as the stores answer on the racers' executor (see
/// ``Configuration/races``). Ids the services make at random (users', orders') never reach the trace: each
/// is named by the order it first appeared in.
public final class SimulationRun {
    /// The run's size.
    public struct Configuration: Sendable {
        /// How many steps the workload takes.
        public var steps: Int
        /// How many users at most are registered at once.
        public var users: Int
        /// The tracked products' stock at the start.
        public var startingStock: Int
        /// Whether the workload races requests against each other (interleaved as the seed says, on a
        /// ``SimulationExecutor``). Exact replay needs stores that answer on the racers' own executor, as the
        /// in-memory ones do; SQLite answers from its own queue, so its runs turn races off to replay.
        public var races: Bool

        /// 150 steps, at most 6 users, 12 units of each of three tracked products, races on.
        public init(steps: Int = 150, users: Int = 6, startingStock: Int = 12, races: Bool = true) {
            self.steps = steps
            self.users = users
            self.startingStock = startingStock
            self.races = races
        }
    }

    struct SimUser {
        let alias: Int
        let id: UserID
        let email: String
        /// The name last acknowledged to them.
        var username: String
        var password: String
        /// The access and refresh token of the session the user is in, if they could sign in.
        var token: String?
        var refresh: String?
        var deleted = false
        var keys: [String: OrderID] = [:]
        /// Access tokens a revocation voided (sign-out everywhere, a password change or reset).
        var voided: [String] = []
        /// Refresh tokens spent by a refresh: each must be refused ever after.
        var spent: [String] = []
        /// Reset tokens already used.
        var usedResets: Set<String> = []
    }

    struct SimOrder {
        let alias: Int
        let id: OrderID
        let user: Int
        let product: Int
        let quantity: Int
        /// Every status it was acknowledged to reach, in order: what its events must tell.
        var statuses: [OrderStatus]
        var status: OrderStatus { statuses.last! }
    }

    /// The seed the run follows.
    public let seed: UInt64
    let configuration: Configuration
    /// What a user's deletion does to their orders in this run: chosen by the seed.
    public let deletionPolicy: DeletionPolicy
    /// The services under simulation, rebuilt over the same stores when the run crashes them: for a test
    /// that tampers with them behind the workload's back, to see the invariants notice.
    public internal(set) var harness: CommerceHarness
    let clock: SimulatedClock
    /// Where races run, one job at a time in the seed's order.
    let executor = SimulationExecutor()
    var random: SimulationRandom
    var users: [SimUser] = []
    var orders: [SimOrder] = []
    var adjustments: [Int]
    var staff: (id: UserID, token: String)
    var subscription: WebhookSubscription
    var endpointDown = false
    var orderServiceDown = false
    /// What each endpoint heard through harnesses a crash replaced.
    var heardBeforeCrashes: [String: [OrderEvent]] = [:]
    /// Where the run's first subscription sends every order event, from the start to the end
    /// (``CommerceHarness/webhooks`` records them).
    static let endpoint = "https://hooks.example.com/simulation"
    /// Where a second subscription, made and ended as the seed says, sends every order event.
    static let churnEndpoint = "https://hooks.example.com/churn"
    /// The second subscription, while there is one.
    var churn: WebhookSubscription?
    static let products = ["sku-0", "sku-1", "sku-2"]
    var trace: [String] = []
    var nextKey = 0
    /// The invariants broken so far.
    public internal(set) var violations: [SimulationViolation] = []
    /// How many steps have run.
    public internal(set) var step = 0

    /// How many seeds CI runs on the in-memory stores, and within which each planted bug
    /// (``PlantedBug``) must be found.
    public static let defaultSeedBudget = 300

    /// New in-memory stores: what a run uses unless given others.
    public static func inMemoryStores() -> (users: any UserStore, orders: any OrderStore) {
        (InMemoryUserStore(), InMemoryOrderStore())
    }

    /// New in-memory stores whose Order store has `bugs` planted: for showing that the simulator finds them.
    package static func inMemoryStores(planting bugs: Set<PlantedBug>) -> (users: any UserStore, orders: any OrderStore)
    {
        (InMemoryUserStore(), InMemoryOrderStore(planting: bugs))
    }

    /// A run of `seed` over the stores `stores` makes (new, empty ones: in-memory unless you bring your own).
    public init(
        seed: UInt64, configuration: Configuration = Configuration(),
        stores: () throws -> (users: any UserStore, orders: any OrderStore) = inMemoryStores
    ) async throws {
        self.seed = seed
        self.configuration = configuration
        random = SimulationRandom(seed: seed)
        deletionPolicy = random.chance(30) ? .anonymise : .purge
        let clock = SimulatedClock()
        self.clock = clock
        let (users, orders) = try stores()
        // Every store call a point where a race may switch: the stores' own behaviour is unchanged.
        let userStore = YieldingUserStore(inner: users)
        let orderStore: any OrderStore =
            (orders as? any OrderStore & WebhookStore).map { YieldingOrderStore(inner: $0) } ?? orders
        harness = try await Self.services(
            clock: clock, userStore: userStore, orderStore: orderStore, deletionPolicy: deletionPolicy)
        adjustments = Array(repeating: 0, count: Self.products.count)
        for product in Self.products { try await harness.setStock(of: product, to: configuration.startingStock) }
        let (staffUser, staffToken) = try await harness.registerAndLogInStaff()
        staff = (staffUser.id, staffToken)
        subscription = try await harness.orders.subscribe(
            WebhookForm(url: Self.endpoint, events: OrderEventType.allCases.map(\.rawValue)),
            as: .staff(staffUser.id), token: try await harness.callerToken(of: staffToken))
        record("policy \(deletionPolicy.rawValue)")
    }

    /// Both services over `userStore` and `orderStore`, as at a start or a restart: retries and webhook
    /// back-offs without jitter, webhook passes that send one delivery at a time, no cache of the user
    /// check, the propagator's attempts with a time-out the simulated clock never ends.
    static func services(
        clock: SimulatedClock, userStore: any UserStore, orderStore: any OrderStore, deletionPolicy: DeletionPolicy
    ) async throws -> CommerceHarness {
        let noJitter = RetryPolicy(
            maxAttempts: 3, baseDelay: .milliseconds(1), maxDelay: .milliseconds(10), jitter: false,
            attemptTimeout: nil, deadline: nil)
        var webhookDelivery = CommerceHarness.fastWebhookDelivery
        webhookDelivery.jitter = false
        webhookDelivery.concurrentSends = 1
        return try await CommerceHarness(
            clock: clock, userStore: userStore, orderStore: orderStore, requestRetry: noJitter,
            userCacheLifetime: .zero, deletionPolicy: deletionPolicy,
            propagation: OutboxPropagator.Configuration(
                retry: RetryPolicy(
                    maxAttempts: 3, baseDelay: .milliseconds(1), maxDelay: .milliseconds(10), jitter: false,
                    attemptTimeout: .seconds(5), deadline: nil)),
            webhookDelivery: webhookDelivery)
    }

    /// Runs every step, then brings the system to rest (faults healed, the outbox delivered) and checks the
    /// invariants once more.
    public func run() async throws -> SimulationOutcome {
        while step < configuration.steps { try await next() }
        try await quiesce()
        return outcome
    }

    /// What the run came to so far.
    public var outcome: SimulationOutcome {
        let digest = SHA256.hash(data: Data(trace.joined(separator: "\n").utf8))
        return SimulationOutcome(
            seed: seed, steps: step, traceHash: HexText.of(digest), violations: violations, trace: trace)
    }

    /// One step of the workload, then the invariants.
    public func next() async throws {
        step += 1
        // A millisecond a step: what one step records is later than what the one before did, so stores that
        // order by time and then by random id (outbox events, deliveries) order them as the steps ran.
        clock.advance(by: .milliseconds(1))
        let roll = Int.random(in: 0..<100, using: &random)
        switch roll {
        case 0..<10: try await register()
        case 10..<32: try await place()
        case 32..<38: try await race()
        case 38..<52: try await transition()
        case 52..<58: try await adjustStock()
        case 58..<62: try await deleteUser()
        case 62..<72: try await session()
        case 72..<74: try await churnSubscription()
        case 74..<78: await toggleOrderService()
        case 78..<84: try await deliverOutbox()
        case 84..<90: try await deliverOrderEvents()
        case 90..<92: await toggleEndpoint()
        case 92..<94: await loseAnswers()
        case 94..<96: try await crash()
        default:
            let seconds = Int.random(in: 1...10, using: &random)
            clock.advance(by: .seconds(seconds))
            record("time +\(seconds)s")
            await deliverDelayedCalls()
        }
        try await checkInvariants()
    }

    // MARK: The trace

    func record(_ line: String) { trace.append("\(step) \(line)") }

    /// Records a broken invariant, once: a state that stays broken is not reported again at every step.
    func violate(_ invariant: SimulationInvariant, _ detail: String) {
        guard !violations.contains(where: { $0.invariant == invariant && $0.detail == detail }) else { return }
        violations.append(SimulationViolation(invariant: invariant, step: step, detail: detail))
    }

    func alias(of id: OrderID) -> String {
        orders.first { $0.id == id }.map { "o\($0.alias)" } ?? "an unknown order"
    }
}
