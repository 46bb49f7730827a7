import CommerceCore
import CommerceInMemory
import CommerceTesting
import Foundation
import Synchronization
import Testing

/// The propagator's delivery loop over destinations: each destination's events in a lane of its own.
@Suite("Outbox lanes")
struct OutboxLanesTests {
    /// An Order service that purges nothing and answers at once.
    struct QuietOrders: OrderServicePeer {
        func purgeOrders(of userId: UserID) async throws -> Int { 0 }
        func revokeTokens(of userId: UserID, issuedBefore date: Date) async throws {}
        func orders(of userId: UserID) async throws -> [Order] { [] }
    }

    /// Events no destination takes (reset requests, with no mail destination) stay pending, and a pass over a
    /// store without leases — which offers them again on every claim — still ends, delivering the rest.
    @Test(.timeLimit(.minutes(1)))
    func aPassEndsWhenNoDestinationTakesSomeEvents() async throws {
        let store = InMemoryUserStore()
        let epoch = Date(millisecondsSince1970: 1_767_225_600_000)
        for minute in 0..<3 {
            try await store.recordEvent(
                OutboxEvent(
                    userId: nil, kind: .passwordResetRequested(email: EmailAddress(trusted: "ann@example.com")),
                    occurredAt: epoch.addingTimeInterval(Double(minute) * 60)))
        }
        let deletion = OutboxEvent(userId: UserID(), kind: .userDeleted, occurredAt: epoch)
        try await store.recordEvent(deletion)
        let propagator = OutboxPropagator(
            events: store, destinations: [OrderServiceDestination(orders: QuietOrders())],
            configuration: .init(batchSize: 2))
        var delivered = 0
        for _ in 0..<3 { delivered += try await propagator.deliverPending() }
        #expect(delivered == 1, "the deletion was delivered")
        #expect(try await store.pendingEvents(limit: 10).count == 3, "the resets wait for a mail destination")
    }

    /// An Order service that never answers a purge: each call hangs until its task is cancelled.
    final class HangingOrders: OrderServicePeer {
        let purges = Atomic(0)
        func purgeOrders(of userId: UserID) async throws -> Int {
            purges.add(1, ordering: .relaxed)
            try await Task.sleep(for: .seconds(3600))
            return 0
        }
        func revokeTokens(of userId: UserID, issuedBefore date: Date) async throws {}
        func orders(of userId: UserID) async throws -> [Order] { [] }
    }

    /// A reset mail recorded while a deletion hangs on a dead Order service goes out on its own lane; one
    /// pass over both would wait out the deletion's delivery window (half the one-minute lease) first.
    @Test(.timeLimit(.minutes(1)))
    func aDeadOrderServiceHoldsUpNoResetMail() async throws {
        let store = InMemoryUserStore()
        let orders = HangingOrders()
        let notifier = RecordingNotifier()
        let propagator = OutboxPropagator(
            events: store,
            destinations: [
                OrderServiceDestination(orders: orders),
                PasswordResetMailDestination(
                    notifier: notifier, resets: store, lifetime: .seconds(900), clock: SystemClock()),
            ],
            configuration: .init(pollInterval: .milliseconds(10)))
        try await store.recordEvent(OutboxEvent(userId: UserID(), kind: .userDeleted, occurredAt: Date()))
        let running = Task { try await propagator.run() }
        defer { running.cancel() }
        #expect(await eventually { orders.purges.load(ordering: .relaxed) > 0 }, "the deletion's delivery began")
        try await store.recordEvent(
            OutboxEvent(
                userId: nil, kind: .passwordResetRequested(email: EmailAddress(trusted: "ann@example.com")),
                occurredAt: Date()))
        let mailed = try await eventually(timeout: .seconds(10)) {
            try await store.pendingEvents(of: [.passwordResetRequested], limit: 1).isEmpty
        }
        #expect(mailed, "the reset request waited for the dead Order service")
        #expect(try await store.pendingEvents(of: [.userDeleted], limit: 1).count == 1, "the deletion is still pending")
    }

    /// One lane alone: a caller ordering the lanes (the simulator) delivers the lane of a topic and no other;
    /// a topic no destination takes delivers nothing.
    @Test func oneLaneIsDeliveredAloneWhenAsked() async throws {
        let store = InMemoryUserStore()
        let epoch = Date(millisecondsSince1970: 1_767_225_600_000)
        try await store.recordEvent(
            OutboxEvent(
                userId: nil, kind: .passwordResetRequested(email: EmailAddress(trusted: "ann@example.com")),
                occurredAt: epoch))
        try await store.recordEvent(OutboxEvent(userId: UserID(), kind: .userDeleted, occurredAt: epoch))
        try await store.recordEvent(
            OutboxEvent(userId: UserID(), kind: .tokensRevoked(issuedBefore: epoch), occurredAt: epoch))
        let propagator = OutboxPropagator(events: store, destinations: [OrderServiceDestination(orders: QuietOrders())])
        #expect(try await propagator.deliverPending(inLaneOf: .passwordResetRequested) == 0)
        #expect(try await propagator.deliverPending(inLaneOf: .tokensRevoked) == 2, "the lane takes both its topics")
        #expect(try await store.pendingEvents(limit: 10).map(\.kind.topic) == [.passwordResetRequested])
    }
}
