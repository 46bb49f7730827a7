import Synchronization
import Testing

@testable import ExampleServer

/// The migrations run once per process, before any service serves, however many services wait for them.
@Suite("Preparation before serving")
struct PreparationTests {
    final class Counter: Sendable {
        let runs = Mutex(0)
    }

    @Test func theStepsRunOnceForEveryServiceThatWaits() async throws {
        let counter = Counter()
        let preparation = Preparation(steps: [{ counter.runs.withLock { $0 += 1 } }])
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 { group.addTask { try await preparation.run() } }
            try await group.waitForAll()
        }
        #expect(counter.runs.withLock { $0 } == 1)
    }

    struct MigrationFailed: Error {}

    @Test func aFailedStepKeepsEveryServiceFromServing() async throws {
        let preparation = Preparation(steps: [{ throw MigrationFailed() }])
        for _ in 0..<2 {
            await #expect(throws: MigrationFailed.self) { try await preparation.run() }
        }
    }
}
