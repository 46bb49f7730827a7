import Foundation

/// Limits failed logins, per email and per client address, so passwords cannot be guessed at speed.
///
/// Contract: ``check(email:address:)`` throws ``CommerceError/Code/rateLimited`` (with `retryAfter`)
/// while either key is over its limit, and is called before any password work; failures are recorded
/// with ``recordFailure(email:address:)``; a success clears the email's failures (not the address's).
/// Implementations shared by several replicas (``StoredLoginThrottle`` over a database) make the limit
/// global; the in-memory ``SlidingWindowLoginThrottle`` limits per process.
public protocol LoginThrottle: Sendable {
    /// Throws `rateLimited`, with how long to wait, while the email or the client address is over its limit.
    func check(email: String, address: String?) async throws
    /// Counts one failed login against the email and the client address.
    func recordFailure(email: String, address: String?) async
    /// Clears the email's failures after a successful login.
    func recordSuccess(email: String) async
}

/// A ``LoginThrottle`` in memory with sliding windows: by default 5 failures per email and 50 per client
/// address within 5 minutes.
public actor SlidingWindowLoginThrottle: LoginThrottle {
    /// The limits of one kind of key.
    public struct Limit: Sendable, Hashable {
        /// How many failed attempts the window allows.
        public var failures: Int
        /// How far back failures count.
        public var window: Duration

        /// A limit of `failures` failed attempts per sliding `window`.
        public init(failures: Int, window: Duration) {
            self.failures = failures
            self.window = window
        }

        /// How long a key with `count` failures in the window, the oldest at `oldest`, must wait at `now`:
        /// zero while it is under the limit.
        func wait(failures count: Int, oldest: Date, now: Date) -> TimeInterval {
            guard count >= failures else { return 0 }
            return max(0, oldest.addingTimeInterval(window.timeInterval).timeIntervalSince(now))
        }
    }

    private let perEmail: Limit
    private let perAddress: Limit
    private let clock: any CommerceClock
    private var failures: [String: [Date]] = [:]
    private var recordsSinceSweep = 0

    /// A throttle with separate limits per email and per client address, reading time from `clock`.
    public init(
        perEmail: Limit = Limit(failures: 5, window: .seconds(300)),
        perAddress: Limit = Limit(failures: 50, window: .seconds(300)),
        clock: any CommerceClock = SystemClock()
    ) {
        self.perEmail = perEmail
        self.perAddress = perAddress
        self.clock = clock
    }

    /// Throws `rateLimited` (with the wait) when the email or the address is over its limit.
    public func check(email: String, address: String?) throws {
        let now = clock.now()
        var wait: TimeInterval = 0
        for (key, limit) in keys(email: email, address: address) {
            let recent = live(key, limit, now: now)
            if let oldest = recent.first {
                wait = max(wait, limit.wait(failures: recent.count, oldest: oldest, now: now))
            }
        }
        if wait > 0 { throw Self.rateLimited(wait: wait) }
    }

    /// The error a throttled login gets: `rateLimited`, with the wait rounded up to whole seconds.
    static func rateLimited(wait: TimeInterval) -> CommerceError {
        CommerceError.rateLimited(
            "Too many failed logins; try again later.", retryAfter: .seconds(Int64(wait.rounded(.up))))
    }

    /// Counts a failed attempt against the email and the address.
    public func recordFailure(email: String, address: String?) {
        let now = clock.now()
        for (key, limit) in keys(email: email, address: address) {
            failures[key] = live(key, limit, now: now) + [now]
        }
        recordsSinceSweep += 1
        if recordsSinceSweep >= 1024 { sweep(now: now) }
    }

    /// Forgets the email's failures: the owner signed in.
    public func recordSuccess(email: String) {
        failures[Self.emailKey(email)] = nil
    }

    private func keys(email: String, address: String?) -> [(String, Limit)] {
        var keys = [(Self.emailKey(email), perEmail)]
        if let address { keys.append(("address:" + address, perAddress)) }
        return keys
    }

    /// The key an email's failures count under: trimmed and lower-cased.
    static func emailKey(_ email: String) -> String {
        "email:" + email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    /// The key's failures still inside its window, oldest first.
    private func live(_ key: String, _ limit: Limit, now: Date) -> [Date] {
        let start = now.addingTimeInterval(-limit.window.timeInterval)
        return failures[key, default: []].filter { $0 > start }
    }

    /// Drops keys with no failure inside the longer window, so memory stays bounded.
    private func sweep(now: Date) {
        recordsSinceSweep = 0
        let start = now.addingTimeInterval(-max(perEmail.window, perAddress.window).timeInterval)
        failures = failures.filter { $0.value.contains { $0 > start } }
    }
}
