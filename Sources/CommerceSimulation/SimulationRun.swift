import CommerceCore
import CommerceInMemory
import CommerceSupport
import CommerceTesting
import Crypto
import Foundation

/// One seeded run of both services in one process (``CommerceHarness``), driven one step at a time: a
/// random workload of what users and staff do, with faults — the User service's answers failing, the Order
/// service down for a while, the order-events subscriber's endpoint down for a while — and every invariant
/// (``SimulationInvariant``) checked after each step.
///
/// Determinism: every choice comes from the seed (``SimulationRandom``); steps run one after another, each
/// awaited to its end; the clock moves only by the seed's steps and the services' own back-offs
/// (``SimulatedClock``); retries have no jitter and no time-outs that could race an answer. Ids the services
/// make at random (users', orders') never reach the trace: each is named by the order it first appeared in.
/// The outbox's lanes are delivered side by side inside one `deliverPending()`; they touch disjoint data
/// and the Order service's faults are standing ones (down or up), so their interleaving changes nothing
/// the trace records.
public final class SimulationRun {
    /// The run's size.
    public struct Configuration: Sendable {
        /// How many steps the workload takes.
        public var steps: Int
        /// How many users at most are registered at once.
        public var users: Int
        /// The tracked products' stock at the start.
        public var startingStock: Int

        /// 150 steps, at most 6 users, 12 units of each of three tracked products.
        public init(steps: Int = 150, users: Int = 6, startingStock: Int = 12) {
            self.steps = steps
            self.users = users
            self.startingStock = startingStock
        }
    }

    private struct SimUser {
        let alias: Int
        let id: UserID
        let email: String
        var token: String
        var deleted = false
        var keys: [String: OrderID] = [:]
    }

    private struct SimOrder {
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
    private let configuration: Configuration
    /// The services under simulation: for a test that tampers with them behind the workload's back, to see
    /// the invariants notice.
    public let harness: CommerceHarness
    private let clock: SimulatedClock
    private var random: SimulationRandom
    private var users: [SimUser] = []
    private var orders: [SimOrder] = []
    private var adjustments: [Int]
    private var staff: (id: UserID, token: String)
    private var subscription: WebhookSubscription
    private var endpointDown = false
    private var orderServiceDown = false
    /// Where the run's one subscription sends every order event (``CommerceHarness/webhooks`` records them).
    static let endpoint = "https://hooks.example.com/simulation"
    private var trace: [String] = []
    private var nextKey = 0
    /// The invariants broken so far.
    public private(set) var violations: [SimulationViolation] = []
    /// How many steps have run.
    public private(set) var step = 0

    static let products = ["sku-0", "sku-1", "sku-2"]

    /// New in-memory stores: what a run uses unless given others.
    public static func inMemoryStores() -> (users: any UserStore, orders: any OrderStore) {
        (InMemoryUserStore(), InMemoryOrderStore())
    }

    /// A run of `seed` over the stores `stores` makes (new, empty ones: in-memory unless you bring your own).
    public init(
        seed: UInt64, configuration: Configuration = Configuration(),
        stores: () throws -> (users: any UserStore, orders: any OrderStore) = inMemoryStores
    ) async throws {
        self.seed = seed
        self.configuration = configuration
        random = SimulationRandom(seed: seed)
        let clock = SimulatedClock()
        self.clock = clock
        let (userStore, orderStore) = try stores()
        let noJitter = RetryPolicy(
            maxAttempts: 3, baseDelay: .milliseconds(1), maxDelay: .milliseconds(10), jitter: false,
            attemptTimeout: nil, deadline: nil)
        harness = try await CommerceHarness(
            clock: clock, userStore: userStore, orderStore: orderStore, requestRetry: noJitter,
            userCacheLifetime: .zero,
            propagation: OutboxPropagator.Configuration(
                retry: RetryPolicy(
                    maxAttempts: 3, baseDelay: .milliseconds(1), maxDelay: .milliseconds(10), jitter: false,
                    attemptTimeout: .seconds(5), deadline: nil)))
        adjustments = Array(repeating: 0, count: Self.products.count)
        for product in Self.products { try await harness.setStock(of: product, to: configuration.startingStock) }
        let (staffUser, staffToken) = try await harness.registerAndLogInStaff()
        staff = (staffUser.id, staffToken)
        subscription = try await harness.orders.subscribe(
            WebhookForm(url: Self.endpoint, events: OrderEventType.allCases.map(\.rawValue)),
            as: .staff(staffUser.id), token: try await harness.callerToken(of: staffToken))
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
        return SimulationOutcome(seed: seed, steps: step, traceHash: HexText.of(digest), violations: violations)
    }

    /// One step of the workload, then the invariants.
    public func next() async throws {
        step += 1
        let roll = Int.random(in: 0..<100, using: &random)
        switch roll {
        case 0..<12: try await register()
        case 12..<44: try await place()
        case 44..<62: try await transition()
        case 62..<69: try await adjustStock()
        case 69..<74: try await deleteUser()
        case 74..<80: await toggleOrderService()
        case 80..<86: try await deliverOutbox()
        case 86..<93: try await deliverOrderEvents()
        case 93..<96: await toggleEndpoint()
        default:
            let seconds = Int.random(in: 1...10, using: &random)
            clock.advance(by: .seconds(seconds))
            record("time +\(seconds)s")
        }
        try await checkInvariants()
    }

    // MARK: The workload

    private func register() async throws {
        guard users.filter({ !$0.deleted }).count < configuration.users else { return record("register skipped") }
        let alias = users.count
        let email = "user-\(alias)@example.com"
        let password = "correct horse battery"
        let user = try await harness.users.register(
            RegistrationForm(username: "User \(alias)", email: email, password: password))
        let signIn = try await harness.users.login(email: email, password: password)
        users.append(SimUser(alias: alias, id: user.id, email: email, token: signIn.token))
        record("register u\(alias)")
    }

    private func place() async throws {
        guard !users.isEmpty else { return record("place skipped") }
        let user = Int.random(in: 0..<users.count, using: &random)
        let product = Int.random(in: 0..<Self.products.count, using: &random)
        let quantity = Int.random(in: 1...3, using: &random)
        var key: String?
        if random.chance(25), let reused = users[user].keys.keys.sorted().randomElement(using: &random) {
            key = reused
        } else if random.chance(85) {
            nextKey += 1
            key = "k\(nextKey)"
        }
        if random.chance(12) { await harness.userPeer.plan.failNext(Int.random(in: 1...4, using: &random)) }
        let form = OrderForm(
            items: [OrderItemForm(productId: Self.products[product], quantity: quantity)],
            deliveryAddress: "\(user) Simulation Street")
        let label = "place u\(user) p\(product) x\(quantity) \(key ?? "-")"
        let deletionDelivered = try await deletionDelivered(user)
        do {
            let caller = try await harness.callerToken(of: users[user].token)
            let placed = try await harness.orders.place(
                form, idempotencyKey: key, as: .user(users[user].id), token: caller)
            // Until its deletion reaches the Order service, a deleted user's earlier order may be answered to
            // a repeat of its key; nothing new is ever placed for them, and nothing at all once it has.
            if users[user].deleted, !placed.replayed || deletionDelivered {
                let what = placed.replayed ? alias(of: placed.order.id) : "a new order"
                violate(.deletedUsersTokensRefused, "u\(user)'s token was answered \(what) after their deletion")
            }
            if let key, let first = users[user].keys[key] {
                if placed.order.id != first {
                    violate(.oneOrderPerKey, "key \(key) of u\(user) answered a second order")
                }
                return record("\(label) replayed \(alias(of: placed.order.id))")
            }
            // A key this run never had acknowledged cannot be a repeat of anything.
            if placed.replayed {
                violate(.oneOrderPerKey, "key \(key ?? "-") of u\(user) answered a replay of an unknown order")
            }
            let alias = orders.count
            orders.append(
                SimOrder(
                    alias: alias, id: placed.order.id, user: user, product: product, quantity: quantity,
                    statuses: [placed.order.status]))
            if let key { users[user].keys[key] = placed.order.id }
            record("\(label) created o\(alias)")
        } catch let error as CommerceError {
            record("\(label) \(error.code)")
        }
    }

    private func transition() async throws {
        guard !orders.isEmpty else { return record("transition skipped") }
        let index = Int.random(in: 0..<orders.count, using: &random)
        let action = OrderAction.allCases.randomElement(using: &random)!
        let byStaff = random.chance(60)
        let order = orders[index]
        let user = users[order.user]
        let label = "\(action.rawValue) o\(order.alias) by \(byStaff ? "staff" : "customer")"
        let deletionDelivered = try await deletionDelivered(order.user)
        do {
            let principal: Principal = byStaff ? .staff(staff.id) : .user(user.id)
            let token = try await harness.callerToken(of: byStaff ? staff.token : user.token)
            let moved = try await harness.orders.transition(
                action, order: order.id, of: user.id, reason: action == .cancel ? "changed my mind" : nil,
                as: principal, token: token)
            if deletionDelivered, !byStaff {
                violate(.deletedUsersTokensRefused, "u\(user.alias)'s token moved o\(order.alias) after deletion")
            }
            // A move to where the order already is answers it unchanged: its history is what was acknowledged.
            orders[index].statuses = moved.history.map(\.status)
            record("\(label) -> \(moved.status.rawValue)")
        } catch let error as CommerceError {
            record("\(label) \(error.code)")
        }
    }

    private func adjustStock() async throws {
        let product = Int.random(in: 0..<Self.products.count, using: &random)
        let change = Int.random(in: -5...5, using: &random)
        let label = "stock p\(product) \(change >= 0 ? "+" : "")\(change)"
        do {
            _ = try await harness.orders.adjustStock(
                of: Self.products[product], by: change, reason: "count", as: .staff(staff.id),
                token: try await harness.callerToken(of: staff.token))
            adjustments[product] += change
            record("\(label) ok")
        } catch let error as CommerceError {
            record("\(label) \(error.code)")
        }
    }

    private func deleteUser() async throws {
        let live = users.indices.filter { !users[$0].deleted }
        guard let index = live.randomElement(using: &random) else { return record("delete skipped") }
        let deletion = try await harness.users.delete(users[index].id, as: .user(users[index].id))
        users[index].deleted = true
        record("delete u\(index) orders \(deletion.orders.rawValue)")
    }

    private func toggleOrderService() async {
        orderServiceDown.toggle()
        if orderServiceDown { await harness.orderPeer.plan.goDown() } else { await harness.orderPeer.plan.heal() }
        record("order service \(orderServiceDown ? "down" : "up")")
    }

    private func toggleEndpoint() async {
        endpointDown.toggle()
        if endpointDown {
            await harness.webhooks.goDown(Self.endpoint)
        } else {
            await harness.webhooks.heal(Self.endpoint)
        }
        record("endpoint \(endpointDown ? "down" : "up")")
    }

    /// One pass of the subscription's lane, as the dispatcher's loop makes them.
    private func deliverOrderEvents() async throws {
        let sent = try await harness.webhookDispatcher?.deliverDue(to: subscription) ?? 0
        record("order events \(sent)")
    }

    private func deliverOutbox() async throws {
        let delivered = try await harness.propagator.deliverPending()
        record("deliver \(delivered)")
    }

    /// Heals every fault and delivers the outbox until nothing is left, then checks once more, with the
    /// checks that hold only at rest.
    private func quiesce() async throws {
        orderServiceDown = false
        await harness.orderPeer.plan.heal()
        await harness.userPeer.plan.heal()
        await harness.webhooks.heal(Self.endpoint)
        endpointDown = false
        for _ in 0..<10 where try await harness.propagator.deliverPending() > 0 {}
        // Failed sends wait out their back-off (at most the dispatcher's longest delay) before the next pass.
        for _ in 0..<50 {
            clock.advance(by: .seconds(1))
            guard try await harness.webhookDispatcher?.deliverDue(to: subscription) ?? 0 > 0 else { break }
        }
        record("quiesced")
        try await checkInvariants()
        try await checkOrderEvents(atRest: true)
        for user in users where user.deleted {
            let left = try await harness.orderStore.orders(of: user.id, status: nil, after: nil, limit: 1000)
            if !left.isEmpty {
                violate(.noOrderOutlivesItsUser, "u\(user.alias) deleted, \(left.count) orders left after delivery")
            }
        }
    }

    // MARK: The invariants

    /// Whether the deletion of the user `alias` has reached the Order service (its tombstone is there):
    /// from then on, no token of theirs may be honoured.
    private func deletionDelivered(_ alias: Int) async throws -> Bool {
        guard users[alias].deleted else { return false }
        return try await harness.orderStore.isTombstoned(users[alias].id)
    }

    private func checkInvariants() async throws {
        var taken = Array(repeating: 0, count: Self.products.count)
        var stored: [OrderID: Order] = [:]
        for user in users {
            for order in try await harness.orderStore.orders(of: user.id, status: nil, after: nil, limit: 1000) {
                stored[order.id] = order
            }
        }
        for order in orders {
            if let current = stored[order.id] {
                if OrderLifecycle.holdingStock.contains(current.status) { taken[order.product] += order.quantity }
            } else if users[order.user].deleted {
                // Purged: what a purge does not put back stays taken.
                if !OrderLifecycle.returningStockOnDeletion.contains(order.status),
                    OrderLifecycle.holdingStock.contains(order.status)
                {
                    taken[order.product] += order.quantity
                }
            } else {
                violate(.acknowledgedOrdersKept, "o\(order.alias) of u\(order.user) is gone")
            }
        }
        for (index, product) in Self.products.enumerated() {
            let stock = try await harness.orderStore.product(product)?.stock
            let expected = configuration.startingStock + adjustments[index] - taken[index]
            if stock != expected || (stock ?? 0) < 0 {
                violate(.stockConserved, "p\(index) holds \(stock.map(String.init) ?? "nothing"), expected \(expected)")
            }
        }
        for order in stored.values { checkHistory(order) }
        try await checkOrderEvents(atRest: false)
    }

    /// What the endpoint heard of each order is, in order, what the order was acknowledged to go through — a
    /// beginning of it until the run is at rest, all of it then (a deleted user's undelivered events are
    /// forgotten with them, so theirs stays a beginning) — and nothing of an order that was never
    /// acknowledged.
    private func checkOrderEvents(atRest: Bool) async throws {
        var heard: [OrderID: [OrderStatus]] = [:]
        var seen: Set<EventID> = []
        for event in await harness.webhooks.events(at: Self.endpoint) where seen.insert(event.id).inserted {
            guard case .order(let order) = event.data else { continue }
            heard[order.id, default: []].append(order.status)
        }
        for order in orders {
            let told = heard.removeValue(forKey: order.id) ?? []
            let whole = atRest && !users[order.user].deleted
            if whole ? told != order.statuses : !order.statuses.starts(with: told) {
                violate(
                    .orderEventsDelivered,
                    "o\(order.alias) went \(order.statuses.map(\.rawValue)), the endpoint heard \(told.map(\.rawValue))"
                )
            }
        }
        if !heard.isEmpty {
            violate(.orderEventsDelivered, "\(heard.count) orders never acknowledged were told of")
        }
    }

    private func checkHistory(_ order: Order) {
        let history = order.history
        guard let first = history.first, first.status == .pending else {
            return violate(.legalHistory, "\(alias(of: order.id)) does not start pending")
        }
        for (previous, next) in zip(history, history.dropFirst()) {
            let allowed = OrderAction.allCases.contains { action in
                action.target == next.status
                    && OrderLifecycle.decide(action, from: previous.status, by: next.by) == .move(to: next.status)
            }
            if !allowed {
                violate(
                    .legalHistory,
                    "\(alias(of: order.id)): \(previous.status.rawValue) to \(next.status.rawValue) by \(next.by)")
            }
        }
        if order.version != history.count {
            violate(.legalHistory, "\(alias(of: order.id)) is at version \(order.version) after \(history.count) steps")
        }
    }

    // MARK: The trace

    private func record(_ line: String) { trace.append("\(step) \(line)") }

    private func violate(_ invariant: SimulationInvariant, _ detail: String) {
        violations.append(SimulationViolation(invariant: invariant, step: step, detail: detail))
    }

    private func alias(of id: OrderID) -> String {
        orders.first { $0.id == id }.map { "o\($0.alias)" } ?? "an unknown order"
    }
}

/// What a run came to: its seed, how far it went, the hash of its trace of steps and outcomes (the same
/// seed gives the same hash), and what it broke.
public struct SimulationOutcome: Sendable, Hashable {
    public let seed: UInt64
    public let steps: Int
    /// SHA-256 of the trace, hex.
    public let traceHash: String
    public let violations: [SimulationViolation]
}
