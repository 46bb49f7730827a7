import CommerceCore
import Foundation

/// A failure a fault-injecting peer produces instead of calling through.
public enum PeerFault: Sendable, Hashable {
    /// Like a 503 or a refused connection: ``CommerceError/Code/unavailable``.
    case unavailable
    /// Like an attempt that ran out of time: ``AttemptTimedOut``.
    case timeout
    /// Like a 429 with `Retry-After`: ``CommerceError/Code/rateLimited``.
    case rateLimited(retryAfter: Duration)
    /// Never answers; the call ends only when its task is cancelled (by a per-attempt timeout, say).
    case hang
    /// The call reaches the real peer and takes effect, but its answer is lost: the caller sees a time-out
    /// (``AttemptTimedOut``), as when an answer comes after the caller gave up. A retry repeats the call.
    case lostAnswer
    /// The call is slow on its way: the caller sees a time-out (``AttemptTimedOut``) at once, and the call
    /// reaches the real peer only when the plan lets it (``FaultPlan/deliverDelayed()``) — after a retry of
    /// it, say, and after calls made later.
    case delayed
}

/// The script a fault-injecting peer follows: fail the next N calls, or every call until healed, and
/// count the calls. Share one plan between a test and the peer it controls.
public actor FaultPlan {
    private var queued: [PeerFault] = []
    private var standing: PeerFault?
    private var held: [@Sendable () async -> Void] = []
    /// Every call the peer received, faulty or not.
    public private(set) var calls = 0
    /// The calls that went through to the real peer.
    public private(set) var successes = 0

    /// A plan with no faults: every call goes through.
    public init() {}

    /// The next `count` calls fail with `fault`; later ones go through (unless the peer is down).
    public func failNext(_ count: Int, with fault: PeerFault = .unavailable) {
        queued += Array(repeating: fault, count: count)
    }

    /// Every call fails with `fault` until ``heal()``.
    public func goDown(with fault: PeerFault = .unavailable) { standing = fault }

    /// Drops every scripted and standing fault.
    public func heal() {
        queued = []
        standing = nil
    }

    func nextFault() -> PeerFault? {
        calls += 1
        if !queued.isEmpty { return queued.removeFirst() }
        return standing
    }

    func recordSuccess() { successes += 1 }

    /// How many ``PeerFault/delayed`` calls have not reached the peer yet.
    public var delayedCalls: Int { held.count }

    /// Lets every ``PeerFault/delayed`` call reach the peer now, in the order they were made; returns how
    /// many did. What each comes to is lost, as its caller has given up on it.
    @discardableResult
    public func deliverDelayed() async -> Int {
        let arriving = held
        held = []
        for call in arriving { await call() }
        return arriving.count
    }

    /// Runs one call under the plan: a scripted fault, or `body`.
    func call<Result: Sendable>(_ body: @escaping @Sendable () async throws -> Result) async throws -> Result {
        switch nextFault() {
        case .none:
            let result = try await body()
            recordSuccess()
            return result
        case .unavailable:
            throw CommerceError.unavailable("Injected fault: the peer is unavailable.")
        case .timeout:
            throw AttemptTimedOut()
        case .rateLimited(let retryAfter):
            throw CommerceError.rateLimited("Injected fault: slow down.", retryAfter: retryAfter)
        case .hang:
            while true { try await Task.sleep(for: .seconds(3600)) }
        case .lostAnswer:
            _ = try await body()
            recordSuccess()
            throw AttemptTimedOut()
        case .delayed:
            held.append { [self] in
                if (try? await body()) != nil { await recordSuccess() }
            }
            throw AttemptTimedOut()
        }
    }
}

/// An ``OrderServicePeer`` that fails as its ``FaultPlan`` says and otherwise calls the real peer.
public struct FaultyOrderServicePeer: OrderServicePeer {
    /// The plan this peer follows; change it while the test runs.
    public let plan: FaultPlan
    private let peer: any OrderServicePeer

    /// Wraps `peer`, failing as `plan` says.
    public init(wrapping peer: any OrderServicePeer, plan: FaultPlan = FaultPlan()) {
        self.peer = peer
        self.plan = plan
    }

    /// Fails as the plan says, or calls through.
    public func purgeOrders(of userId: UserID) async throws -> Int {
        let peer = peer
        return try await plan.call { try await peer.purgeOrders(of: userId) }
    }

    /// Fails as the plan says, or calls through.
    public func revokeTokens(of userId: UserID, issuedBefore date: Date) async throws {
        let peer = peer
        try await plan.call { try await peer.revokeTokens(of: userId, issuedBefore: date) }
    }

    /// Fails as the plan says, or calls through.
    public func orders(of userId: UserID) async throws -> [Order] {
        let peer = peer
        return try await plan.call { try await peer.orders(of: userId) }
    }
}

/// A ``UserServicePeer`` that fails as its ``FaultPlan`` says and otherwise calls the real peer.
public struct FaultyUserServicePeer: UserServicePeer {
    /// The plan this peer follows; change it while the test runs.
    public let plan: FaultPlan
    private let peer: any UserServicePeer

    /// Wraps `peer`, failing as `plan` says.
    public init(wrapping peer: any UserServicePeer, plan: FaultPlan = FaultPlan()) {
        self.peer = peer
        self.plan = plan
    }

    /// Fails as the plan says, or calls through.
    public func userExists(_ id: UserID) async throws -> Bool {
        let peer = peer
        return try await plan.call { try await peer.userExists(id) }
    }
}

/// A ``UserServicePeer`` with a fixed answer, for an Order service tested without any User service.
public struct StaticUserServicePeer: UserServicePeer {
    /// The answer to every question.
    public let exists: Bool

    /// - Parameter exists: what every lookup answers; `true` by default.
    public init(exists: Bool = true) { self.exists = exists }

    /// Always ``exists``.
    public func userExists(_ id: UserID) async throws -> Bool { exists }
}
