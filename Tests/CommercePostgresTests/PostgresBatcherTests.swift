import CommerceTesting
import Synchronization
import Testing

@testable import CommercePostgres

@Suite("Batches of statements")
struct PostgresBatcherTests {
    /// Holds the first batch in flight until opened, and records every batch.
    final class Recorder: Sendable {
        private let state = Mutex<(batches: [[Int]], opened: Bool, held: CheckedContinuation<Void, Never>?)>(
            ([], false, nil))

        var batches: [[Int]] { state.withLock { $0.batches } }

        func run(_ requests: [Int]) async throws -> [Int] {
            let first = state.withLock { state in
                state.batches.append(requests)
                return state.batches.count == 1
            }
            if first {
                await withCheckedContinuation { held in
                    let open = state.withLock { state in
                        if !state.opened { state.held = held }
                        return state.opened
                    }
                    if open { held.resume() }
                }
            }
            if requests.contains(13) { throw Unlucky() }
            return requests.map { $0 * 10 }
        }

        func open() {
            state.withLock { state in
                state.opened = true
                return state.held.take()
            }?.resume()
        }
    }

    struct Unlucky: Error {}

    /// Starts request 0 (held in flight), queues `queued` behind it, then lets the batches run: each
    /// request's answer, by request (none for a request that failed).
    private func answers(limit: Int, largest: Int, queued: [Int], recorder: Recorder) async throws -> [Int: Int] {
        let batcher = PostgresBatcher<Int, Int>(limit: limit, largest: largest) { try await recorder.run($0) }
        return try await withThrowingTaskGroup(of: (Int, Int?).self) { group in
            group.addTask { (0, try? await batcher.answer(0)) }
            #expect(await eventually { recorder.batches.count == 1 })
            for request in queued { group.addTask { (request, try? await batcher.answer(request)) } }
            #expect(await eventually { batcher.waitingCount == queued.count }, "the requests wait for the batch")
            recorder.open()
            var answers: [Int: Int] = [:]
            for try await (request, answer) in group { answers[request] = answer }
            return answers
        }
    }

    @Test func aRequestAloneIsABatchOfOne() async throws {
        let recorder = Recorder()
        recorder.open()
        let batcher = PostgresBatcher<Int, Int>(limit: 1, largest: 8) { try await recorder.run($0) }
        #expect(try await batcher.answer(4) == 40)
        #expect(try await batcher.answer(5) == 50)
        #expect(recorder.batches == [[4], [5]])
    }

    @Test func requestsThatArriveWhileTheLimitIsInFlightGoTogether() async throws {
        let recorder = Recorder()
        let answers = try await answers(limit: 1, largest: 8, queued: [1, 2, 3, 4, 5], recorder: recorder)
        #expect(answers == [0: 0, 1: 10, 2: 20, 3: 30, 4: 40, 5: 50])
        #expect(recorder.batches.count == 2)
        #expect(recorder.batches.last?.sorted() == [1, 2, 3, 4, 5])
    }

    @Test func belowTheLimitARequestDoesNotWait() async throws {
        let recorder = Recorder()
        let batcher = PostgresBatcher<Int, Int>(limit: 2, largest: 8) { try await recorder.run($0) }
        try await withThrowingTaskGroup(of: Int.self) { group in
            group.addTask { try await batcher.answer(0) }
            #expect(await eventually { recorder.batches.count == 1 })
            // The first batch is held in flight; the second request has a batch of its own at once.
            let alone = try await batcher.answer(7)
            #expect(alone == 70)
            recorder.open()
            let held = try await group.next()
            #expect(held == 0)
        }
    }

    @Test func aBatchHoldsAtMostLargestRequests() async throws {
        let recorder = Recorder()
        let answers = try await answers(limit: 1, largest: 2, queued: [1, 2, 3, 4, 5], recorder: recorder)
        #expect(answers.count == 6)
        #expect(recorder.batches.map(\.count) == [1, 2, 2, 1])
    }

    @Test func aFailedBatchFailsOnlyItsOwnRequests() async throws {
        let recorder = Recorder()
        let answers = try await answers(limit: 1, largest: 8, queued: [12, 13, 14], recorder: recorder)
        #expect(recorder.batches.last?.sorted() == [12, 13, 14])
        #expect(answers == [0: 0], "the batch holding 13 failed as one, and the batch before it did not")
    }
}
