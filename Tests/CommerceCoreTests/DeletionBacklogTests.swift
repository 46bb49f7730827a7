import CommerceCore
import CommerceStorage
import CommerceTesting
import Logging
import Synchronization
import Testing

@Suite("Deletion backlog visibility")
struct DeletionBacklogTests {
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
        let records = LogRecords()
        let logger = Logger(label: "test") { _ in RecordingLogHandler(records: records) }
        let harness = try await CommerceHarness(
            propagation: .init(
                retry: CommerceHarness.fastBackgroundRetry, pollInterval: .milliseconds(10),
                backlogCheckInterval: .milliseconds(10)),
            logger: logger)
        await harness.orderPeer.plan.goDown()
        let (ann, _) = try await harness.registerAndLogIn()
        _ = try await harness.users.delete(ann.id, as: .user(ann.id))
        try await harness.withPropagatorRunning {
            let logged = await eventually {
                records.messages.contains { $0.message == "user deletions are waiting for the Order service" && $0.metadata["pendingDeletions"] == "1" }
            }
            #expect(logged)
        }
    }
}

/// Log lines kept for inspection.
final class LogRecords: Sendable {
    struct Entry: Sendable {
        let level: Logger.Level
        let message: String
        let metadata: [String: String]
    }

    private let entries = Mutex<[Entry]>([])
    var messages: [Entry] { entries.withLock { $0 } }
    func append(_ entry: Entry) { entries.withLock { $0.append(entry) } }
}

/// A log handler that records every line in memory.
struct RecordingLogHandler: LogHandler {
    let records: LogRecords
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        records.append(.init(level: event.level, message: "\(event.message)", metadata: merged.mapValues { "\($0)" }))
    }
}
