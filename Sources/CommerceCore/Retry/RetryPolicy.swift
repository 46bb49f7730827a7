import Foundation

/// How a call to the other service is retried: capped exponential back-off with full jitter, a timeout
/// per attempt, an overall deadline, and respect for a peer's `Retry-After`.
///
/// Only transient failures are retried (``CommerceError/isTransient`` and attempt time-outs); anything
/// else is thrown at once. Delays never push past the overall deadline: when the next wait would, the call
/// gives up with ``CommerceError/Code/unavailable``.
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts in all, the first included; `nil` retries without end.
    public var maxAttempts: Int?
    /// The back-off ceiling before the first retry.
    public var baseDelay: Duration
    /// How much the ceiling grows with each retry.
    public var multiplier: Double
    /// The largest ceiling.
    public var maxDelay: Duration
    /// Full jitter: each wait is uniformly random in `0...ceiling`. Without it, the wait is the ceiling.
    public var jitter: Bool
    /// How long one attempt may take; `nil` for no limit.
    public var attemptTimeout: Duration?
    /// How long the whole call, retries included, may take; `nil` for no limit.
    public var deadline: Duration?

    /// Creates a policy; see the properties for each parameter.
    public init(
        maxAttempts: Int?, baseDelay: Duration, multiplier: Double = 2, maxDelay: Duration, jitter: Bool = true,
        attemptTimeout: Duration?, deadline: Duration?
    ) {
        precondition(maxAttempts.map { $0 >= 1 } ?? true, "maxAttempts must be at least 1")
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.multiplier = multiplier
        self.maxDelay = maxDelay
        self.jitter = jitter
        self.attemptTimeout = attemptTimeout
        self.deadline = deadline
    }

    /// For calls on a client's request path: 4 attempts, 100 ms base, ×2, 2 s cap, full jitter, 2 s per
    /// attempt, 5 s overall.
    public static let requestPath = RetryPolicy(
        maxAttempts: 4, baseDelay: .milliseconds(100), maxDelay: .seconds(2),
        attemptTimeout: .seconds(2), deadline: .seconds(5))

    /// For background delivery: retries without end, capped at 30 s between tries, 2 s per attempt.
    public static let background = RetryPolicy(
        maxAttempts: nil, baseDelay: .milliseconds(100), maxDelay: .seconds(30),
        attemptTimeout: .seconds(2), deadline: nil)

    /// The back-off ceiling before retry number `retry` (1 for the first retry).
    public func ceiling(beforeRetry retry: Int) -> Duration {
        let base = baseDelay.timeInterval
        let grown = base * pow(multiplier, Double(max(0, retry - 1)))
        return .interval(min(grown, maxDelay.timeInterval))
    }

    /// The wait before retry number `retry`: the ceiling, or a uniform draw below it with jitter.
    public func delay(beforeRetry retry: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        let ceiling = ceiling(beforeRetry: retry).timeInterval
        guard jitter, ceiling > 0 else { return .interval(ceiling) }
        return .interval(Double.random(in: 0...ceiling, using: &generator))
    }
}
