import CommerceCore
import CommerceStorage
import CommerceTesting
import Logging
import Testing

@Suite("Deletion backlog visibility")
struct OutboxBacklogTests {
    @Test func theBacklogCountsPendingDeletionsAndTheirAge() async throws {
        let clock = TestClock()
        let harness = try await CommerceHarness(clock: clock)
        await harness.orderPeer.plan.goDown()
        #expect(try await harness.propagator.backlog() == .empty)
        let (ann, _) = try await harness.registerAndLogIn()
        let (bob, _) = try await harness.registerAndLogIn()
        _ = try await harness.users.delete(ann.id, as: .user(ann.id))
        clock.advance(by: .seconds(90))
        _ = try await harness.users.delete(bob.id, as: .user(bob.id))
        let backlog = try await harness.propagator.backlog()
        #expect(backlog.count == 2)
        #expect(backlog.oldestAge(at: clock.now()) == .seconds(90))
    }

    @Test func aGrowingBacklogIsLogged() async throws {
        let recorder = LogRecorder()
        let logger = Logger(label: "test", factory: recorder.handler)
        let harness = try await CommerceHarness(
            propagation: .init(
                retry: CommerceHarness.fastBackgroundRetry, pollInterval: .milliseconds(10),
                backlogCheckInterval: .milliseconds(10)),
            logger: logger)
        await harness.orderPeer.plan.goDown()
        let (ann, _) = try await harness.registerAndLogIn()
        _ = try await harness.users.delete(ann.id, as: .user(ann.id))
        try await harness.withBackgroundServicesRunning {
            let logged = await eventually {
                recorder.entriesSoFar.contains {
                    $0.message == "outbox events are waiting for the Order service"
                        && $0.metadata["pendingEvents"] == "1"
                }
            }
            #expect(logged)
        }
    }
}
