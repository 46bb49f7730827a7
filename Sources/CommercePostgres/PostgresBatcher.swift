import CommerceCore
import Synchronization

/// Batches for one statement: a request that arrives while `limit` batches are in flight waits, and goes
/// with every other waiting request in the next batch, as one statement on one connection.
///
/// A statement's fixed cost on PostgreSQL's wire — the client's encoding and state machine, the pool's
/// lease, the loopback's system calls, PostgreSQL's executor start — is most of a hot read's cost
/// (Documentation/PerformanceLog.md); a batch pays it once for all its requests. A request never waits for
/// company: when fewer than `limit` batches are in flight, it starts one at once (alone, under light load).
/// Each request keeps its own answer, and a batch that fails fails only the requests in it.
///
/// The waiting list is behind a lock rather than in an actor, as in the SQLite store's group commit: a
/// request only appends itself.
final class PostgresBatcher<Request: Sendable, Answer: Sendable>: Sendable {
    /// Runs one batch: an answer for each request, in the requests' order.
    typealias Run = @Sendable ([Request]) async throws -> [Answer]

    private struct Waiting: Sendable {
        let request: Request
        let answer: CheckedContinuation<Answer, any Error>
    }

    private struct State: Sendable {
        var waiting: [Waiting] = []
        var inFlight = 0
    }

    private let limit: Int
    private let largest: Int
    private let run: Run
    private let state = Mutex(State())

    /// A batcher running at most `limit` batches at once, each of at most `largest` requests.
    init(limit: Int, largest: Int, run: @escaping Run) {
        self.limit = max(1, limit)
        self.largest = max(1, largest)
        self.run = run
    }

    /// The request's answer, from the next batch that holds it.
    func answer(_ request: Request) async throws -> Answer {
        try await withCheckedThrowingContinuation { answer in
            let start = state.withLock { state in
                state.waiting.append(Waiting(request: request, answer: answer))
                guard state.inFlight < limit else { return false }
                state.inFlight += 1
                return true
            }
            if start { Task.onCurrentExecutor { await self.runUntilDrained() } }
        }
    }

    /// How many requests wait for a batch (for tests).
    var waitingCount: Int { state.withLock { $0.waiting.count } }

    /// Runs batches until nobody waits: each batch is whatever arrived while the others were in flight.
    private func runUntilDrained() async {
        while true {
            let batch = state.withLock { state in
                let batch = Array(state.waiting.prefix(largest))
                state.waiting.removeFirst(batch.count)
                if batch.isEmpty { state.inFlight -= 1 }
                return batch
            }
            if batch.isEmpty { return }
            do {
                let answers = try await run(batch.map(\.request))
                guard answers.count == batch.count else {
                    throw CommerceError.internalFailure(
                        "A batch of \(batch.count) requests answered \(answers.count).")
                }
                for (waiting, answer) in zip(batch, answers) { waiting.answer.resume(returning: answer) }
            } catch {
                for waiting in batch { waiting.answer.resume(throwing: error) }
            }
        }
    }
}
