import Foundation
import Logging

extension RetryPolicy {
    /// Runs `operation` under this policy.
    ///
    /// - Parameters:
    ///   - clock: measures the deadline and sleeps between attempts.
    ///   - retryingEverything: retry non-transient failures too (background delivery, where a
    ///     misconfiguration must heal once fixed); time-outs and the deadline still apply.
    ///   - logger: receives one `debug` line per failed attempt.
    ///   - metrics: counts each attempt (by outcome) and each retry of the call.
    /// - Returns: the first successful result.
    /// - Throws: the last non-retryable error, or ``CommerceError/Code/unavailable`` when attempts or the
    ///   deadline run out, or `CancellationError`.
    public func run<Result: Sendable>(
        clock: any CommerceClock,
        retryingEverything: Bool = false,
        logger: Logger? = nil,
        metrics: PeerCallMetrics? = nil,
        operation: @escaping @Sendable () async throws -> Result
    ) async throws -> Result {
        var generator = SystemRandomNumberGenerator()
        let start = clock.now()
        let giveUpAt = deadline.map { start.addingTimeInterval($0.timeInterval) }
        var attempt = 0
        while true {
            attempt += 1
            try Task.checkCancellation()
            let error: any Error
            do {
                var limit = attemptTimeout
                if let giveUpAt {
                    let left = Duration.interval(giveUpAt.timeIntervalSince(clock.now()))
                    limit = min(limit ?? left, left)
                }
                let result = try await Self.attempt(operation, timeout: limit, clock: clock)
                metrics?.attempt(succeeded: true)
                return result
            } catch let caught {
                if caught is CancellationError, Task.isCancelled { throw caught }
                metrics?.attempt(succeeded: false)
                error = caught
            }
            let transient = (error as? CommerceError)?.isTransient ?? (error is AttemptTimedOut)
            logger?.debug("attempt failed", metadata: ["attempt": "\(attempt)", "error": "\(error)"])
            guard transient || retryingEverything else { throw error }
            if let maxAttempts, attempt >= maxAttempts {
                throw CommerceError.unavailable("The other service did not answer after \(attempt) attempts.")
            }
            var wait = delay(beforeRetry: attempt, using: &generator)
            if let retryAfter = (error as? CommerceError)?.retryAfter { wait = max(wait, retryAfter) }
            if let giveUpAt, clock.now().addingTimeInterval(wait.timeInterval) >= giveUpAt {
                throw CommerceError.unavailable("The other service did not answer within \(deadline!).")
            }
            metrics?.retry()
            try await clock.sleep(for: wait)
        }
    }

    /// One attempt, abandoned (its task cancelled) when `timeout` passes first.
    private static func attempt<Result: Sendable>(
        _ operation: @escaping @Sendable () async throws -> Result, timeout: Duration?, clock: any CommerceClock
    ) async throws -> Result {
        guard let timeout else { return try await operation() }
        guard timeout > .zero else { throw AttemptTimedOut() }
        return try await withThrowingTaskGroup(of: Result.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                try await clock.sleep(for: timeout)
                throw AttemptTimedOut()
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }
}

/// One attempt took longer than ``RetryPolicy/attemptTimeout``.
public struct AttemptTimedOut: Error, Sendable, CustomStringConvertible {
    /// An attempt that ran out of its time.
    public init() {}
    /// Says that the attempt timed out.
    public var description: String { "the attempt timed out" }
}
