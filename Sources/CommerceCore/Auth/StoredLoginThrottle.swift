import Foundation
import Logging
import Synchronization

/// A ``LoginThrottle`` over a ``LoginFailureStore``: every User replica on one database counts failed
/// logins together, so a load balancer in front of N replicas does not give an attacker N times the guesses.
///
/// Costs: ``check(email:address:)`` is one read; a failure is one write; a successful login writes only when
/// the check just before it found failures for the email. Keys are stored as SHA-256 digests, so the
/// failures table holds no email and no address; ``sweep(now:limit:)`` deletes failures no window counts
/// any more (``ExpirySweeper/tokens(of:throttle:configuration:clock:logger:)`` runs it).
///
/// Races: attempts racing past one check each count, so the limit may be passed by as many attempts as
/// race it, as with ``SlidingWindowLoginThrottle``. A store that cannot be read refuses the login
/// (`unavailable`); a failure that cannot be recorded is logged and the login answered as it would be.
public final class StoredLoginThrottle: LoginThrottle {
    public typealias Limit = SlidingWindowLoginThrottle.Limit

    private struct State {
        /// Email keys whose last check found failures: only their successes need a write.
        var failing: Set<String> = []
    }

    private let store: any LoginFailureStore
    private let perEmail: Limit
    private let perAddress: Limit
    private let clock: any CommerceClock
    private let logger: Logger
    private let state = Mutex(State())

    /// A throttle counting in `store`, with the same default limits as ``SlidingWindowLoginThrottle``.
    public init(
        store: any LoginFailureStore,
        perEmail: Limit = Limit(failures: 5, window: .seconds(300)),
        perAddress: Limit = Limit(failures: 50, window: .seconds(300)),
        clock: any CommerceClock = SystemClock(), logger: Logger = Logger(label: "commerce.login-throttle")
    ) {
        self.store = store
        self.perEmail = perEmail
        self.perAddress = perAddress
        self.clock = clock
        self.logger = logger
    }

    /// Throws `rateLimited` (with the wait) when the email or the address is over its limit.
    public func check(email: String, address: String?) async throws {
        let now = clock.now()
        let keys = keys(email: email, address: address)
        var since: [String: Date] = [:]
        for (key, limit) in keys { since[key] = now.addingTimeInterval(-limit.window.timeInterval) }
        let tallies = try await store.loginFailures(since: since)
        let emailKey = keys[0].key
        state.withLock { state in
            if tallies[emailKey] != nil {
                if state.failing.count >= 10_000 { state.failing.removeAll() }
                state.failing.insert(emailKey)
            } else {
                state.failing.remove(emailKey)
            }
        }
        let wait = keys.reduce(0) { wait, entry in
            tallies[entry.key].map { max(wait, entry.limit.wait(failures: $0.count, oldest: $0.oldest, now: now)) }
                ?? wait
        }
        if wait > 0 { throw SlidingWindowLoginThrottle.rateLimited(wait: wait) }
    }

    /// Counts a failed attempt against the email and the address.
    public func recordFailure(email: String, address: String?) async {
        let now = clock.now()
        let keys = keys(email: email, address: address)
        do {
            try await store.recordLoginFailure(keys: keys.map(\.key), at: now)
        } catch {
            logger.error("login throttle: a failure could not be counted", metadata: ["error": "\(error)"])
        }
        state.withLock { _ = $0.failing.insert(keys[0].key) }
    }

    /// Deletes up to `limit` failures that no window counts at `now` any more; returns how many.
    public func sweep(now: Date, limit: Int) async throws -> Int {
        let before = now.addingTimeInterval(-max(perEmail.window, perAddress.window).timeInterval)
        return try await store.sweepLoginFailures(before: before, limit: limit)
    }

    /// Forgets the email's failures: the owner signed in.
    public func recordSuccess(email: String) async {
        let key = Self.digest(SlidingWindowLoginThrottle.emailKey(email))
        guard state.withLock({ $0.failing.remove(key) }) != nil else { return }
        do {
            try await store.clearLoginFailures(key: key)
        } catch {
            logger.error("login throttle: a login's failures could not be cleared", metadata: ["error": "\(error)"])
        }
    }

    private func keys(email: String, address: String?) -> [(key: String, limit: Limit)] {
        var keys = [(Self.digest(SlidingWindowLoginThrottle.emailKey(email)), perEmail)]
        if let address { keys.append((Self.digest("address:" + address), perAddress)) }
        return keys
    }

    private static func digest(_ key: String) -> String { Digest.sha256Hex(key) }
}
