import CommerceCore
import Foundation

/// The stock part of the ``OrderRecordStore`` contract, as runnable checks: what placements take from a
/// ``ProductCatalog``'s stock in their own transaction, and what cancels and deletions put back. Never
/// oversold, however the callers race.
public enum StockConformance {
    /// Runs every check, each on a fresh store from `makeStore`.
    public static func run(makeStore: () async throws -> any OrderStore) async throws {
        try await runAll(checks, makeStore: makeStore)
    }

    /// Each check on its own, for one test case per check.
    public static let checks: [ConformanceCheck<any OrderStore>] = [
        ConformanceCheck("a placement takes every tracked line's quantity, all lines or none") { store in
            _ = try await store.putProduct(Fixtures.product("mug", stock: 5))
            _ = try await store.putProduct(Fixtures.product("pen"))
            _ = try await store.putProduct(Fixtures.product("cup", stock: 1))
            let userId = UserID()
            guard
                case .created = try await place(
                    store, for: userId, [("mug", 2), ("pen", 3), ("mug", 1)])
            else { throw ConformanceFailure("an order within the stock was not placed") }
            try await requireStock(store, ["mug": 2, "pen": nil, "cup": 1], "after taking 3 mugs")
            do {
                _ = try await place(store, for: userId, [("cup", 2), ("pen", 1), ("mug", 3)])
                throw ConformanceFailure("an order beyond the stock was placed")
            } catch let error as CommerceError where error.code == .outOfStock {
                let expected = [
                    StockShortfall(productId: "cup", requested: 2, available: 1),
                    StockShortfall(productId: "mug", requested: 3, available: 2),
                ]
                try require(error.shortfalls == expected, "the shortfalls should name cup and mug: \(error.shortfalls)")
            }
            try await requireStock(store, ["mug": 2, "pen": nil, "cup": 1], "after a refused order")
            let stored = try await store.orders(of: userId, status: nil, after: nil, limit: 10)
            try require(stored.count == 1, "a refused order was stored")
        },
        ConformanceCheck("racing buyers of the last units get exactly as many orders as there are units") { store in
            let units = 5
            _ = try await store.putProduct(Fixtures.product("mug", stock: units))
            let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<24 {
                    group.addTask {
                        do {
                            _ = try await place(store, for: UserID(), [("mug", 1)])
                            return true
                        } catch let error as CommerceError where error.code == .outOfStock {
                            return false
                        }
                    }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            let placed = outcomes.filter { $0 }.count
            try require(placed == units, "24 buyers racing for \(units) units placed \(placed) orders")
            try await requireStock(store, ["mug": 0], "after the sell-out")
        },
        ConformanceCheck("a replay takes nothing again, however many race") { store in
            _ = try await store.putProduct(Fixtures.product("mug", stock: 10))
            let userId = UserID()
            let order = Fixtures.order(for: userId)
            let record = Fixtures.idempotency(for: order, expiresAt: Fixtures.hourLater)
            let outcomes = try await withThrowingTaskGroup(of: OrderInsertion.self) { group in
                for _ in 0..<8 {
                    group.addTask { try await place(store, order, [("mug", 3)], idempotency: record) }
                }
                return try await group.reduce(into: [OrderInsertion]()) { $0.append($1) }
            }
            let created = outcomes.filter { if case .created = $0 { true } else { false } }.count
            try require(created == 1, "8 racing placements with one key created \(created) orders")
            try await requireStock(store, ["mug": 7], "after one order of 3 and its replays")
        },
        ConformanceCheck("a cancel puts the stock back exactly once, however raced") { store in
            _ = try await store.putProduct(Fixtures.product("mug", stock: 3))
            let userId = UserID()
            guard case .created(let order) = try await place(store, for: userId, [("mug", 2)]) else {
                throw ConformanceFailure("the order was not placed")
            }
            let confirmed = try required(
                try await store.transition(order, to: entry(.confirmed)), "the order was not confirmed")
            try await requireStock(store, ["mug": 1], "after a confirmation")
            let moves = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<12 {
                    group.addTask { try await store.transition(confirmed, to: entry(.cancelled)) != nil }
                }
                return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
            }
            try require(moves == 1, "12 racing cancels moved the order \(moves) times")
            try await requireStock(store, ["mug": 3], "after the cancel")
        },
        ConformanceCheck("shipped goods stay taken; a product no longer tracked stays untracked") { store in
            _ = try await store.putProduct(Fixtures.product("mug", stock: 4))
            _ = try await store.putProduct(Fixtures.product("pen", stock: 4))
            let userId = UserID()
            guard case .created(let order) = try await place(store, for: userId, [("mug", 1), ("pen", 1)]) else {
                throw ConformanceFailure("the order was not placed")
            }
            var moved = order
            for status in [OrderStatus.confirmed, .shipped, .delivered] {
                moved = try required(try await store.transition(moved, to: entry(status)), "not \(status)")
            }
            try await requireStock(store, ["mug": 3, "pen": 3], "after delivery")
            guard case .created(let second) = try await place(store, for: userId, [("mug", 1), ("pen", 1)]) else {
                throw ConformanceFailure("the second order was not placed")
            }
            _ = try await store.putProduct(Fixtures.product("pen"))
            _ = try required(try await store.transition(second, to: entry(.cancelled)), "not cancelled")
            try await requireStock(store, ["mug": 3, "pen": nil], "after cancelling with the pen untracked")
        },
        ConformanceCheck("a purge puts back what was not yet shipped") { store in
            try await deletionPutsBackUnshipped(store) { userId in _ = try await store.purge(userId, at: Fixtures.epoch)
            }
        },
        ConformanceCheck("an anonymisation puts back what was not yet shipped, once") { store in
            let anonymous = UserID()
            try await deletionPutsBackUnshipped(store) { userId in
                _ = try await store.anonymise(userId, as: anonymous, at: Fixtures.epoch)
            }
            // The kept pending order gave its stock back already: cancelling it gives nothing more.
            let kept = try await store.orders(of: anonymous, status: .pending, after: nil, limit: 10)
            for order in kept { _ = try await store.transition(order, to: entry(.cancelled)) }
            try await requireStock(store, ["mug": 7], "after cancelling an anonymised order")
        },
        ConformanceCheck("an order priced by the client takes no stock") { store in
            _ = try await store.putProduct(Fixtures.product("sku-1", stock: 1))
            guard
                case .created = try await store.insert(
                    Fixtures.order(for: UserID()), idempotency: nil, now: Fixtures.epoch)
            else { throw ConformanceFailure("the order was not placed") }
            try await requireStock(store, ["sku-1": 1], "after a client-priced order")
        },
    ]

    /// A user's orders pending (1 mug), confirmed (2) and shipped (3) from a stock of 10, then `delete`:
    /// the stock is 10 − 3.
    private static func deletionPutsBackUnshipped(
        _ store: any OrderStore, delete: (UserID) async throws -> Void
    ) async throws {
        _ = try await store.putProduct(Fixtures.product("mug", stock: 10))
        let userId = UserID()
        var orders: [Order] = []
        for quantity in 1...3 {
            guard case .created(let order) = try await place(store, for: userId, [("mug", quantity)]) else {
                throw ConformanceFailure("an order was not placed")
            }
            orders.append(order)
        }
        _ = try required(try await store.transition(orders[1], to: entry(.confirmed)), "confirm")
        var shipped = try required(try await store.transition(orders[2], to: entry(.confirmed)), "confirm")
        shipped = try required(try await store.transition(shipped, to: entry(.shipped)), "ship")
        try await requireStock(store, ["mug": 4], "before the deletion")
        try await delete(userId)
        try await requireStock(store, ["mug": 7], "after the deletion (the shipped 3 stay taken)")
        try await delete(userId)
        try await requireStock(store, ["mug": 7], "after the deletion again")
    }

    private static func entry(_ status: OrderStatus) -> OrderHistoryEntry {
        OrderHistoryEntry(status: status, at: Fixtures.epoch, by: .staff)
    }

    /// Places an order of `lines` (product, quantity) for `userId`, priced from the catalog.
    private static func place(_ store: any OrderStore, for userId: UserID, _ lines: [(String, Int)]) async throws
        -> OrderInsertion
    {
        try await place(store, Fixtures.order(for: userId), lines, idempotency: nil)
    }

    private static func place(
        _ store: any OrderStore, _ order: Order, _ lines: [(String, Int)], idempotency: IdempotencyRecord?
    ) async throws -> OrderInsertion {
        let pricing = CatalogPricing(
            lines: lines.map { .init(productId: $0.0, quantity: $0.1, requestedPrice: nil) }, requestedCurrency: nil)
        return try await store.insert(
            order, idempotency: idempotency, now: Fixtures.epoch, token: nil, pricing: pricing)
    }

    /// Fails unless each product's stock is the one given (`nil`: untracked).
    private static func requireStock(_ store: any OrderStore, _ expected: [String: Int?], _ when: String) async throws {
        for (id, stock) in expected.sorted(by: { $0.key < $1.key }) {
            let product = try required(try await store.product(id), "\(id) is gone \(when)")
            try require(
                product.stock == stock,
                "\(id)'s stock is \(product.stock.map(String.init) ?? "untracked") \(when), not \(stock.map(String.init) ?? "untracked")"
            )
        }
    }
}
