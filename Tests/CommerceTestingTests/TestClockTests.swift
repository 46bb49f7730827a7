import CommerceCore
import CommerceTesting
import Foundation
import Testing

@Suite("TestClock")
struct TestClockTests {
    @Test func timeMovesOnlyWhenAdvanced() {
        let clock = TestClock()
        let start = clock.now()
        #expect(clock.now() == start)
        clock.advance(by: .milliseconds(1500))
        #expect(clock.now() == start.addingTimeInterval(1.5))
    }

    @Test func sleepersWakeWhenTheirDeadlineComes() async throws {
        let clock = TestClock()
        let sleeper = Task { try await clock.sleep(for: .seconds(10)) }
        #expect(await eventually { clock.sleeperCount == 1 })
        clock.advance(by: .seconds(9))
        #expect(clock.sleeperCount == 1)
        clock.advance(by: .seconds(1))
        try await sleeper.value
        #expect(clock.sleeperCount == 0)
    }

    @Test func cancellingASleeperEndsItsSleep() async {
        let clock = TestClock()
        let sleeper = Task { try await clock.sleep(for: .seconds(10)) }
        #expect(await eventually { clock.sleeperCount == 1 })
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
        #expect(clock.sleeperCount == 0)
    }
}
