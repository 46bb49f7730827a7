import CommerceCore
import Foundation
import Synchronization

/// Time as the simulator runs it: it moves only when something waits. A short wait (a retry's back-off,
/// under a second) moves the clock on by exactly that much and returns at once, so a run takes no real
/// time and its timestamps follow from its seed. A long wait (an attempt's time-out) never ends by itself:
/// the simulated peers answer at once, so the attempt always finishes first and cancels it — had the
/// time-out returned at once too, which finished first would have been up to the scheduler.
public final class SimulatedClock: CommerceClock {
    private let current: Mutex<Date>

    /// A clock that starts at `start`.
    public init(start: Date = Date(timeIntervalSince1970: 1_767_225_600)) { current = Mutex(start) }

    public func now() -> Date { current.withLock { $0 } }

    public func sleep(for duration: Duration) async throws {
        if duration < .seconds(1) {
            advance(by: duration)
            try Task.checkCancellation()
            return
        }
        // Until cancelled: a stream that never yields ends only when its task is cancelled.
        let (stream, continuation) = AsyncStream<Never>.makeStream()
        try await withTaskCancellationHandler {
            for await _ in stream {}
            try Task.checkCancellation()
        } onCancel: {
            continuation.finish()
        }
    }

    /// Moves the clock on by `duration`: the simulator's own passing of time between steps.
    public func advance(by duration: Duration) {
        current.withLock { $0 = $0.addingTimeInterval(duration.timeInterval) }
    }
}
