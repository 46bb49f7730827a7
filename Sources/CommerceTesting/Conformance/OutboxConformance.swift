import CommerceCore
import Foundation

/// The ``OutboxStore`` contract as runnable checks, for an outbox on its own: every event is recorded with
/// ``OutboxStore/recordEvent(_:)``.
public enum OutboxConformance {
    /// Runs every check, each on a fresh store from `makeStore`.
    public static func run(makeStore: () async throws -> any OutboxStore) async throws {
        try await runAll(checks, makeStore: makeStore)
    }

    /// Each check on its own, for one test case per check.
    public static let checks: [ConformanceCheck<any OutboxStore>] = [
        ConformanceCheck("an event recorded on its own is pending exactly as given, its trace context too") { store in
            let reset = OutboxEvent(
                userId: nil, kind: .passwordResetRequested(email: EmailAddress(trusted: "ann@example.com")),
                occurredAt: Fixtures.epoch, requestID: RequestID("req-reset"),
                traceContext: "traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\ntracestate: k=v")
            let revocation = OutboxEvent(
                userId: UserID(), kind: .tokensRevoked(issuedBefore: Fixtures.epoch), occurredAt: Fixtures.hourLater)
            try await store.recordEvent(reset)
            try await store.recordEvent(revocation)
            try require(try await store.pendingEvents(limit: 10) == [reset, revocation], "not pending as given")
        },
        ConformanceCheck("pending events come oldest first, limited, until marked delivered") { store in
            let events = (0..<5).map { Fixtures.event(minutes: $0) }
            for event in events.reversed() { try await store.recordEvent(event) }
            try require(try await store.pendingEvents(limit: 3) == Array(events.prefix(3)), "not oldest first")
            try await store.markDelivered(events[1].id)
            try await store.markDelivered(events[1].id)
            try await store.markDelivered(EventID())
            let rest = [events[0]] + events[2...]
            try require(try await store.pendingEvents(limit: 10) == rest, "a delivered event is still pending")
            for event in rest { try await store.markDelivered(event.id) }
            try require(try await store.pendingEvents(limit: 10).isEmpty, "events left after delivering all")
        },
        ConformanceCheck("events are read by topic: another topic's backlog neither shows nor fills the limit") {
            store in
            let deletions = (0..<3).map { Fixtures.event(minutes: $0) }
            let reset = OutboxEvent(
                userId: nil, kind: .passwordResetRequested(email: EmailAddress(trusted: "ann@example.com")),
                occurredAt: Fixtures.epoch.addingTimeInterval(600))
            for event in deletions + [reset] { try await store.recordEvent(event) }
            try require(
                try await store.pendingEvents(of: [.passwordResetRequested], limit: 2) == [reset],
                "a reset behind older deletions was not read on its own topic")
            try require(
                try await store.pendingEvents(of: [.userDeleted, .tokensRevoked], limit: 10) == deletions,
                "the deletions' topic read something else, or not oldest first")
            try require(
                try await store.claimPendingEvents(
                    of: [.passwordResetRequested], limit: 10, now: Fixtures.hourLater,
                    leaseEnd: Fixtures.hourLater.addingTimeInterval(60)) == [reset],
                "a claim of one topic returned another's events")
        },
        ConformanceCheck("the backlog counts pending events and dates the oldest") { store in
            try require(try await store.outboxBacklog() == .empty, "an empty store has a backlog")
            let events = [3, 1, 2].map { Fixtures.event(minutes: $0) }
            for event in events { try await store.recordEvent(event) }
            let expected = OutboxBacklog(count: 3, oldestOccurredAt: Fixtures.epoch.addingTimeInterval(60))
            try require(try await store.outboxBacklog() == expected, "wrong count or oldest time")
            try await store.markDelivered(events[1].id)
            let after = OutboxBacklog(count: 2, oldestOccurredAt: Fixtures.epoch.addingTimeInterval(120))
            try require(try await store.outboxBacklog() == after, "a delivered event still counts")
        },
    ]

    /// The checks of ``OutboxStore/claimPendingEvents(limit:now:leaseEnd:)`` for a store several processes
    /// share (the PostgreSQL store): leases keep two claimants off one event. A store for one process
    /// (in-memory, SQLite) need not pass them; its claims are its pending events.
    public static let sharedStoreChecks: [ConformanceCheck<any OutboxStore>] = [
        ConformanceCheck("claims hand each event to one claimant until its lease ends") { store in
            let events = (0..<6).map { Fixtures.event(minutes: $0) }
            for event in events { try await store.recordEvent(event) }
            let now = Fixtures.hourLater
            let leaseEnd = now.addingTimeInterval(60)
            async let first = store.claimPendingEvents(limit: 2, now: now, leaseEnd: leaseEnd)
            async let second = store.claimPendingEvents(limit: 2, now: now, leaseEnd: leaseEnd)
            let (a, b) = try await (first, second)
            try require(a.count == 2 && b.count == 2, "two claims of 2 got \(a.count) and \(b.count)")
            try require(Set(a.map(\.id)).isDisjoint(with: b.map(\.id)), "one event went to both claimants")
            let rest = try await store.claimPendingEvents(limit: 10, now: now, leaseEnd: leaseEnd)
            try require(Set(a.map(\.id) + b.map(\.id) + rest.map(\.id)) == Set(events.map(\.id)), "claims lost events")
            try require(rest == rest.sorted { $0.occurredAt < $1.occurredAt }, "claims are not oldest first")
            try require(
                try await store.claimPendingEvents(limit: 10, now: now, leaseEnd: leaseEnd).isEmpty,
                "a leased event was claimed again within its lease")
            try await store.markDelivered(events[0].id)
            let later = try await store.claimPendingEvents(
                limit: 10, now: leaseEnd.addingTimeInterval(1), leaseEnd: leaseEnd.addingTimeInterval(61))
            try require(later == Array(events.dropFirst()), "after the lease, every undelivered event is offered again")
        },
        ConformanceCheck("a lease on one topic's events keeps no other topic's claim waiting") { store in
            let deletion = Fixtures.event()
            let reset = OutboxEvent(
                userId: nil, kind: .passwordResetRequested(email: EmailAddress(trusted: "ann@example.com")),
                occurredAt: Fixtures.epoch.addingTimeInterval(60))
            try await store.recordEvent(deletion)
            try await store.recordEvent(reset)
            let now = Fixtures.hourLater
            let deletions = try await store.claimPendingEvents(
                of: [.userDeleted], limit: 10, now: now, leaseEnd: now.addingTimeInterval(60))
            try require(deletions == [deletion], "the deletion's claim took \(deletions.count) events")
            let resets = try await store.claimPendingEvents(
                of: [.passwordResetRequested], limit: 10, now: now, leaseEnd: now.addingTimeInterval(60))
            try require(resets == [reset], "the reset's claim waited for the deletion's lease")
        },
        ConformanceCheck("a released event is offered to the next claim at once") { store in
            let event = Fixtures.event()
            try await store.recordEvent(event)
            let now = Fixtures.epoch.addingTimeInterval(1)
            let claimed = try await store.claimPendingEvents(
                limit: 10, now: now, leaseEnd: now.addingTimeInterval(60))
            try require(
                try await store.claimPendingEvents(limit: 10, now: now, leaseEnd: now.addingTimeInterval(60))
                    .isEmpty,
                "a claimed event was claimed again within its lease")
            try await store.releaseClaim(event.id)
            let again = try await store.claimPendingEvents(limit: 10, now: now, leaseEnd: now.addingTimeInterval(60))
            try require(
                again.map(\.id) == [event.id],
                "a released event was not offered again (claimed first: \(claimed.count))")
            try require(try await store.pendingEvents(limit: 10).map(\.id) == [event.id], "releasing delivered it")
        },
    ]
}
