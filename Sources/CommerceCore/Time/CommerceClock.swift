import Foundation

/// What time it is and how to wait, injected everywhere time matters (token expiry, idempotency windows,
/// retry back-off) so that tests can control it. See `TestClock` in CommerceTesting.
public protocol CommerceClock: Sendable {
    /// The current wall-clock time.
    func now() -> Date
    /// Suspends for `duration`; throws `CancellationError` when the task is cancelled.
    func sleep(for duration: Duration) async throws
}

/// The real clock: `Date()` and `Task.sleep`.
public struct SystemClock: CommerceClock {
    /// The system clock.
    public init() {}

    /// The system's current time.
    public func now() -> Date { Date() }

    /// Sleeps on the continuous clock; throws when the task is cancelled.
    public func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: duration)
    }
}

// Helpers on a standard type: `package`, so they do not leak into the apps that import the library.
extension Duration {
    /// The duration in seconds, as a `TimeInterval`.
    package var timeInterval: TimeInterval {
        let parts = components
        return TimeInterval(parts.seconds) + TimeInterval(parts.attoseconds) / 1e18
    }

    /// A duration from a `TimeInterval`.
    package static func interval(_ seconds: TimeInterval) -> Duration {
        .nanoseconds(Int64((seconds * 1e9).rounded()))
    }
}
