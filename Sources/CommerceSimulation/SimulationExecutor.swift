import Foundation
import Synchronization

/// Where a race runs: requests started side by side, whose every job — their tasks' own and those of the
/// default actors they enter (the in-memory stores, the fault plans), which run on a task's preferred
/// executor — is queued here and run one at a time on one thread, the next one chosen by the seed. So the
/// seed decides the interleaving, and a seed replays it.
///
/// Work that leaves for threads of its own (SQLite's queue, the password hasher's) comes back to this
/// queue when it is done, at a time no seed decides: a race over such stores is run the same way, but does
/// not replay exactly (``SimulationRun/Configuration/races``).
package final class SimulationExecutor: TaskExecutor, @unchecked Sendable {
    // The queue and its wake-ups: `NSCondition` guards `queue`, which jobs from any thread append to.
    private let condition = NSCondition()
    private var queue: [UnownedJob] = []

    /// An executor with nothing queued.
    package init() {}

    package func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        queue.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Runs `operations` side by side, each a task preferring this executor, on a thread of this executor's
    /// own until all of them have ended; each next job is drawn with `random`.
    /// - Returns: their results in the order of `operations`, and `random` as the draws left it.
    package func race<Result: Sendable>(
        _ operations: [@Sendable () async -> Result], random: SimulationRandom
    ) async -> (results: [Result], random: SimulationRandom) {
        await withCheckedContinuation { continuation in
            let thread = Thread {
                var random = random
                let results = Results<Result>()
                for (index, operation) in operations.enumerated() {
                    Task(executorPreference: self) { results.set(index, await operation()) }
                }
                while let job = self.next(using: &random, until: { results.count == operations.count }) {
                    job.runSynchronously(on: self.asUnownedTaskExecutor())
                }
                continuation.resume(returning: (operations.indices.map { results[$0] }, random))
            }
            thread.start()
        }
    }

    /// The next job, drawn at random from those queued; waits for one while `finished` is false, and
    /// returns `nil` once it is true and nothing is queued.
    private func next(using random: inout SimulationRandom, until finished: () -> Bool) -> UnownedJob? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty {
            if finished() { return nil }
            // Only work on other threads can wake this; a minute without any means the race is stuck.
            guard condition.wait(until: Date().addingTimeInterval(60)) || !queue.isEmpty else {
                fatalError("A simulated race made no progress for a minute: nothing left to run, nothing done.")
            }
        }
        return queue.remove(at: Int.random(in: 0..<queue.count, using: &random))
    }
}

/// The racers' results as they end, by their place in the race.
private final class Results<Result: Sendable>: Sendable {
    private let done = Mutex<[Int: Result]>([:])

    var count: Int { done.withLock { $0.count } }

    func set(_ index: Int, _ result: Result) { done.withLock { $0[index] = result } }

    subscript(index: Int) -> Result { done.withLock { $0[index]! } }
}
