import CommerceCore
import Foundation
import Synchronization

/// A ``CommerceClock`` that stands still until a test moves it.
///
/// `now()` returns the time the test set; `sleep(for:)` suspends until ``advance(by:)`` moves the clock
/// past the sleeper's deadline (or its task is cancelled). ``sleeperCount`` lets a test wait, with a
/// deadline, until the code under test has started to sleep.
public final class TestClock: CommerceClock {
    private struct Sleeper {
        let deadline: Date
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Date
        var nextId = 0
        var sleepers: [Int: Sleeper] = [:]
        var cancelledBeforeSleeping: Set<Int> = []
    }

    private let state: Mutex<State>

    /// - Parameter now: where the clock starts; a fixed instant by default, so runs are repeatable.
    public init(now: Date = Date(timeIntervalSince1970: 1_767_225_600)) {
        state = Mutex(State(now: now.roundedToMilliseconds))
    }

    /// The test's current time; it moves only with ``advance(by:)``.
    public func now() -> Date { state.withLock { $0.now } }

    /// How many tasks are sleeping on this clock now.
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    /// Suspends until the test advances the clock past the wake-up time, or the task is cancelled.
    public func sleep(for duration: Duration) async throws {
        try Task.checkCancellation()
        guard duration > .zero else { return }
        let id = state.withLock { state in
            state.nextId += 1
            return state.nextId
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let cancelled = state.withLock { state in
                    if state.cancelledBeforeSleeping.remove(id) != nil { return true }
                    state.sleepers[id] = Sleeper(
                        deadline: state.now.addingTimeInterval(duration.timeInterval), continuation: continuation)
                    return false
                }
                if cancelled { continuation.resume(throwing: CancellationError()) }
            }
        } onCancel: {
            let sleeper = state.withLock { state in
                guard let sleeper = state.sleepers.removeValue(forKey: id) else {
                    state.cancelledBeforeSleeping.insert(id)
                    return Sleeper?.none
                }
                return sleeper
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves the clock forward and wakes every sleeper whose deadline has come.
    public func advance(by duration: Duration) {
        let due = state.withLock { state in
            state.now = state.now.addingTimeInterval(duration.timeInterval)
            let now = state.now
            let due = state.sleepers.filter { $0.value.deadline <= now }
            for id in due.keys { state.sleepers[id] = nil }
            return due.values.map(\.continuation)
        }
        for continuation in due { continuation.resume() }
    }
}
