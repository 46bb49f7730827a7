import CommerceCore
import Foundation

/// The ``IdempotencyStore`` contract as runnable checks. Records are written by the placement that made
/// their order, so the store under test is a whole ``OrderStore``.
public enum IdempotencyConformance {
    /// Runs every check, each on a fresh store from `makeStore`.
    public static func run(makeStore: () async throws -> any OrderStore) async throws {
        try await runAll(checks, makeStore: makeStore)
    }

    /// Each check on its own, for one test case per check.
    public static let checks: [ConformanceCheck<any OrderStore>] = [
        ConformanceCheck("an idempotency key stores one order per user and returns the first") { store in
            let first = Fixtures.order(for: UserID())
            let second = Fixtures.order(for: first.userId)
            let expiry = Fixtures.hourLater
            _ = try await store.insert(
                first, idempotency: Fixtures.idempotency(for: first, expiresAt: expiry), now: Fixtures.epoch)
            let again = try await store.insert(
                second, idempotency: Fixtures.idempotency(for: second, fingerprint: "fp-2", expiresAt: expiry),
                now: Fixtures.epoch)
            try require(
                again == .existing(first, fingerprint: "fp-1"), "the second insert was not answered with the first")
            try require(
                try await store.orders(of: first.userId, after: nil, limit: 10) == [first], "a second order was stored")
            let found = try await store.idempotentOrder(userId: first.userId, key: Fixtures.key(), now: Fixtures.epoch)
            try require(found?.order == first && found?.fingerprint == "fp-1", "the key does not find its order")
            let stranger = Fixtures.order(for: UserID())
            let strangerInsert = try await store.insert(
                stranger, idempotency: Fixtures.idempotency(for: stranger, expiresAt: expiry), now: Fixtures.epoch)
            try require(strangerInsert == .created(stranger), "a key is not scoped to its user")
        },
        ConformanceCheck("an expired idempotency key is forgotten") { store in
            let first = Fixtures.order(for: UserID())
            let expiry = Fixtures.epoch.addingTimeInterval(60)
            _ = try await store.insert(
                first, idempotency: Fixtures.idempotency(for: first, expiresAt: expiry), now: Fixtures.epoch)
            let found = try await store.idempotentOrder(userId: first.userId, key: Fixtures.key(), now: expiry)
            try require(found == nil, "an expired key still finds its order")
            let second = Fixtures.order(for: first.userId, at: expiry)
            let insertion = try await store.insert(
                second, idempotency: Fixtures.idempotency(for: second, expiresAt: Fixtures.hourLater), now: expiry)
            try require(insertion == .created(second), "an expired key blocked a new order")
        },
        ConformanceCheck("concurrent inserts with one key: exactly one order") { store in
            let userId = UserID()
            let created = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        let order = Fixtures.order(for: userId)
                        let record = Fixtures.idempotency(for: order, expiresAt: Fixtures.hourLater)
                        if case .created = try await store.insert(order, idempotency: record, now: Fixtures.epoch) {
                            return true
                        }
                        return false
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            try require(created == 1, "\(created) orders were created with one key")
            try require(try await store.orders(of: userId, after: nil, limit: 100).count == 1, "more than one stored")
        },
        ConformanceCheck("expired idempotency records are swept in bounded batches, live ones kept") { store in
            var expiring: [Order] = []
            for _ in 0..<5 {
                let order = Fixtures.order(for: UserID())
                _ = try await store.insert(
                    order, idempotency: Fixtures.idempotency(for: order, expiresAt: Fixtures.epoch), now: Fixtures.epoch
                )
                expiring.append(order)
            }
            let live = Fixtures.order(for: UserID())
            _ = try await store.insert(
                live, idempotency: Fixtures.idempotency(for: live, expiresAt: Fixtures.hourLater), now: Fixtures.epoch)
            try require(
                try await store.sweepExpiredIdempotencyRecords(now: Fixtures.epoch.addingTimeInterval(-1), limit: 10)
                    == 0,
                "a record was swept before it expired")
            var swept: [Int] = []
            for _ in 0..<4 {
                swept.append(try await store.sweepExpiredIdempotencyRecords(now: Fixtures.epoch, limit: 2))
            }
            try require(swept == [2, 2, 1, 0], "batches of at most 2 should sweep 2, 2, 1, 0, swept \(swept)")
            let kept = try await store.idempotentOrder(userId: live.userId, key: Fixtures.key(), now: Fixtures.epoch)
            try require(kept?.order == live, "the live record was swept")
            for order in expiring {
                try require(
                    try await store.orders(of: order.userId, after: nil, limit: 10) == [order],
                    "sweeping a record deleted its order")
            }
        },
        ConformanceCheck("purge forgets the user's idempotency keys") { store in
            let order = Fixtures.order(for: UserID())
            _ = try await store.insert(
                order, idempotency: Fixtures.idempotency(for: order, expiresAt: Fixtures.hourLater), now: Fixtures.epoch
            )
            _ = try await store.purge(order.userId, at: Fixtures.epoch)
            let found = try await store.idempotentOrder(userId: order.userId, key: Fixtures.key(), now: Fixtures.epoch)
            try require(found == nil, "a purged user's key still finds an order")
        },
    ]
}
