import CommerceCore
import Foundation

/// The ``OrderRecordStore`` contract as runnable checks. A placement reads the store's idempotency
/// records, marks, tombstones and catalog in its own transaction, so the store under test is a whole
/// ``OrderStore``.
public enum OrderRecordConformance {
    /// Runs every check, each on a fresh store from `makeStore`.
    public static func run(makeStore: () async throws -> any OrderStore) async throws {
        try await runAll(checks, makeStore: makeStore)
    }

    /// Each check on its own, for one test case per check.
    public static let checks: [ConformanceCheck<any OrderStore>] = [
        ConformanceCheck("a stored order reads back unchanged") { store in
            let order = Fixtures.order(for: UserID())
            try require(
                try await store.insert(order, idempotency: nil, now: Fixtures.epoch) == .created(order),
                "insert did not report the order created")
            try require(try await store.orders(of: order.userId, after: nil, limit: 10) == [order], "not read back")
        },
        ConformanceCheck("orders list newest first, per user") { store in
            let userId = UserID()
            let orders = (0..<5).map { Fixtures.order(for: userId, at: Fixtures.epoch.addingTimeInterval(Double($0))) }
            for order in orders.shuffled() { _ = try await store.insert(order, idempotency: nil, now: Fixtures.epoch) }
            _ = try await store.insert(Fixtures.order(for: UserID()), idempotency: nil, now: Fixtures.epoch)
            let listed = try await store.orders(of: userId, after: nil, limit: 10)
            try require(listed == orders.reversed(), "not newest first, or another user's order is listed")
            try require(try await store.orders(of: UserID(), after: nil, limit: 10).isEmpty, "a stranger has orders")
        },
        ConformanceCheck("cursor paging is stable when orders share a timestamp") { store in
            let userId = UserID()
            var all: [Order] = []
            for second in 0..<3 {
                for _ in 0..<4 {
                    all.append(Fixtures.order(for: userId, at: Fixtures.epoch.addingTimeInterval(Double(second))))
                }
            }
            for order in all { _ = try await store.insert(order, idempotency: nil, now: Fixtures.epoch) }
            var seen: [Order] = []
            var cursor: OrderCursor?
            while true {
                let page = try await store.orders(of: userId, after: cursor, limit: 5)
                try require(page.count <= 5, "a page is longer than its limit")
                seen += page
                guard page.count == 5, let last = page.last else { break }
                cursor = last.cursor
            }
            let expected = all.sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
            try require(seen == expected, "paging skipped, repeated or misordered orders")
        },
        ConformanceCheck("purge deletes every order, tombstones, and is idempotent") { store in
            let userId = UserID()
            let other = Fixtures.order(for: UserID())
            for _ in 0..<3 {
                _ = try await store.insert(Fixtures.order(for: userId), idempotency: nil, now: Fixtures.hourLater)
            }
            _ = try await store.insert(other, idempotency: nil, now: Fixtures.hourLater)
            try require(try await store.isTombstoned(userId) == false, "tombstoned before the purge")
            try require(try await store.purge(userId, at: Fixtures.hourLater) == 3, "purge did not count 3 orders")
            try require(try await store.orders(of: userId, after: nil, limit: 10).isEmpty, "orders survived")
            try require(try await store.isTombstoned(userId), "no tombstone after the purge")
            try require(try await store.purge(userId, at: Fixtures.hourLater) == 0, "a second purge deleted something")
            try require(
                try await store.orders(of: other.userId, after: nil, limit: 10) == [other],
                "another user's order was touched")
        },
        ConformanceCheck("live orders are the orders until the purge, then nil") { store in
            let userId = UserID()
            let order = Fixtures.order(for: userId)
            _ = try await store.insert(order, idempotency: nil, now: Fixtures.hourLater)
            try require(try await store.liveOrders(of: userId, after: nil, limit: 10) == [order], "not the orders")
            try require(try await store.liveOrders(of: UserID(), after: nil, limit: 10) == [], "a stranger is not live")
            _ = try await store.purge(userId, at: Fixtures.hourLater)
            try require(try await store.liveOrders(of: userId, after: nil, limit: 10) == nil, "live after the purge")
        },
        // A store may keep a page between reads; whatever it keeps, each read answers what the last write left.
        ConformanceCheck("a user's live page read again after each write is what the write left") { store in
            let userId = UserID()
            let token = CallerToken(userId: userId, issuedAt: Fixtures.epoch)
            func page() async throws -> [Order]? {
                try await store.liveOrders(of: userId, status: nil, after: nil, limit: 10, token: token)
            }
            let first = Fixtures.order(for: userId)
            _ = try await store.insert(first, idempotency: nil, now: Fixtures.epoch)
            try require(try await page() == [first], "the first order is not the page")
            let second = Fixtures.order(for: userId, at: Fixtures.hourLater)
            _ = try await store.insert(second, idempotency: nil, now: Fixtures.hourLater)
            try require(try await page() == [second, first], "a placement is missing from the page read again")
            let confirmed = try required(
                try await store.transition(
                    first, to: OrderHistoryEntry(status: .confirmed, at: Fixtures.hourLater, by: .staff)),
                "the transition did not apply")
            try require(try await page() == [second, confirmed], "a transition is missing from the page read again")
            _ = try await store.revokeTokens(of: userId, issuedBefore: Fixtures.hourLater)
            try await requireError(.unauthenticated, "the page with a token revoked since the last read") {
                try await page()
            }
            let anonymous = UserID()
            try require(try await store.liveOrders(of: anonymous, after: nil, limit: 10) == [], "a stranger's page")
            _ = try await store.anonymise(userId, as: anonymous, at: Fixtures.dayLater)
            try require(try await store.liveOrders(of: userId, after: nil, limit: 10) == nil, "live after deletion")
            try require(
                try await store.liveOrders(of: anonymous, after: nil, limit: 10)?.count == 2,
                "the orders kept for the books are not under their new id")
        },
        ConformanceCheck("a tombstoned user's insert is refused and stores nothing") { store in
            let userId = UserID()
            try require(
                try await store.purge(userId, at: Fixtures.hourLater) == 0, "purging a user with no orders deleted some"
            )
            let order = Fixtures.order(for: userId)
            try await requireError(.notFound, "insert after purge") {
                try await store.insert(order, idempotency: nil, now: Fixtures.hourLater)
            }
            try require(try await store.orders(of: userId, after: nil, limit: 10).isEmpty, "the order was stored")
        },
        ConformanceCheck("inserts racing a purge never leave an order behind") { store in
            // Each insert either lands before the purge (and is purged) or after it (and is refused): once all
            // are done, nothing of the user may remain, whichever way they interleaved.
            let userId = UserID()
            try await raceInserts(of: userId, into: store) { _ = try await store.purge(userId, at: Fixtures.epoch) }
            try require(try await store.isTombstoned(userId), "the purge left no tombstone")
            let left = try await store.orders(of: userId, after: nil, limit: 100).count
            try require(left == 0, "\(left) orders survived a purge they raced")
        },
        ConformanceCheck("anonymise keeps the orders for the books with nothing personal, and tombstones") { store in
            let userId = UserID()
            let first = Fixtures.order(for: userId)
            let second = Fixtures.order(for: userId, at: Fixtures.epoch.addingTimeInterval(60))
            _ = try await store.insert(
                first, idempotency: Fixtures.idempotency(for: first, expiresAt: Fixtures.hourLater), now: Fixtures.epoch
            )
            _ = try await store.insert(second, idempotency: nil, now: Fixtures.epoch)
            let cancel = OrderHistoryEntry(
                status: .cancelled, at: Fixtures.hourLater, by: .customer, reason: "my home address")
            let cancelled = try required(try await store.transition(second, to: cancel), "the order did not move")
            let anonymous = UserID()
            let at = Fixtures.hourLater.addingTimeInterval(60)
            try require(try await store.anonymise(userId, as: anonymous, at: at) == 2, "not both orders were kept")
            try require(try await store.isTombstoned(userId), "no tombstone")
            try require(try await store.orders(of: userId, after: nil, limit: 10).isEmpty, "orders left under the user")
            let expected = [cancelled, first].map { $0.anonymised(as: anonymous, at: at) }
            let kept = try await store.orders(of: anonymous, after: nil, limit: 10)
            try require(kept == expected, "the kept orders are not the anonymised ones")
            try require(
                kept.allSatisfy { $0.deliveryAddress == Order.redacted && $0.history.allSatisfy { $0.reason == nil } },
                "personal text survived")
            let everyone = try await store.allOrders(status: nil, after: nil, limit: 10)
            try require(Set(everyone.map(\.id)) == Set(expected.map(\.id)), "staff lists lost the kept orders")
            try require(
                try await store.idempotentOrder(userId: userId, key: Fixtures.key(), now: Fixtures.epoch) == nil,
                "the user's idempotency record survived")
            try await requireError(.notFound, "an insert after the anonymisation") {
                try await store.insert(Fixtures.order(for: userId), idempotency: nil, now: Fixtures.epoch)
            }
            try require(try await store.anonymise(userId, as: UserID(), at: at) == 0, "anonymise is not idempotent")
            try require(
                try await store.orders(of: anonymous, after: nil, limit: 10) == expected, "a repeat changed them")
        },
        ConformanceCheck("inserts racing an anonymisation never leave an order under the user") { store in
            let userId = UserID()
            try await raceInserts(of: userId, into: store) {
                _ = try await store.anonymise(userId, as: UserID(), at: Fixtures.epoch)
            }
            try require(try await store.isTombstoned(userId), "the anonymisation left no tombstone")
            let left = try await store.orders(of: userId, after: nil, limit: 100).count
            try require(left == 0, "\(left) orders stayed under the user after an anonymisation they raced")
        },
        ConformanceCheck("a token issued before its user's mark is refused by every read and by insert") { store in
            let userId = UserID()
            let order = Fixtures.order(for: userId)
            _ = try await store.insert(
                order, idempotency: Fixtures.idempotency(for: order, expiresAt: Fixtures.hourLater), now: Fixtures.epoch
            )
            let mark = Fixtures.epoch.addingTimeInterval(60)
            _ = try await store.revokeTokens(of: userId, issuedBefore: mark)
            let revoked = CallerToken(userId: userId, issuedAt: mark.addingTimeInterval(-0.001))
            let fresh = CallerToken(userId: userId, issuedAt: mark)
            let now = Fixtures.epoch
            try await requireError(.unauthenticated, "the list with a revoked token") {
                try await store.liveOrders(of: userId, status: nil, after: nil, limit: 10, token: revoked)
            }
            try await requireError(.unauthenticated, "the order by id with a revoked token") {
                try await store.order(order.id, of: userId, token: revoked)
            }
            try await requireError(.unauthenticated, "every order with a revoked token") {
                try await store.allOrders(status: nil, after: nil, limit: 10, token: revoked)
            }
            try await requireError(.unauthenticated, "an idempotent replay with a revoked token") {
                try await store.idempotentOrder(userId: userId, key: Fixtures.key(), now: now, token: revoked)
            }
            try await requireError(.unauthenticated, "an insert with a revoked token") {
                try await store.insert(Fixtures.order(for: userId), idempotency: nil, now: now, token: revoked)
            }
            try require(
                try await store.orders(of: userId, after: nil, limit: 10) == [order], "a refused insert stored an order"
            )
            let list = try await store.liveOrders(of: userId, status: nil, after: nil, limit: 10, token: fresh)
            try require(list == [order], "a token issued at the mark was refused the list")
            try require(try await store.order(order.id, of: userId, token: fresh) == order, "refused the order")
            let all = try await store.allOrders(status: nil, after: nil, limit: 10, token: fresh)
            try require(all == [order], "a token issued at the mark was refused every order")
            let replay = try await store.idempotentOrder(userId: userId, key: Fixtures.key(), now: now, token: fresh)
            try require(replay?.order == order, "a token issued at the mark was refused the replay")
            let next = Fixtures.order(for: userId, at: Fixtures.hourLater)
            guard case .created = try await store.insert(next, idempotency: nil, now: now, token: fresh) else {
                throw ConformanceFailure("a token issued at the mark could not place an order")
            }
            let staff = CallerToken(userId: UserID(), issuedAt: Fixtures.epoch)
            let seen = try await store.liveOrders(of: userId, status: nil, after: nil, limit: 10, token: staff)
            try require(seen?.count == 2, "another user's token was judged by this user's mark")
        },
        ConformanceCheck("an insert priced from the catalog stores the catalog's names and prices") { store in
            _ = try await store.putProduct(Fixtures.product("tea", price: 499, currency: "EUR"))
            _ = try await store.putProduct(Fixtures.product("cup", price: 100, currency: "EUR"))
            let userId = UserID()
            let asked = Fixtures.order(for: userId)
            let pricing = CatalogPricing(
                lines: [
                    .init(productId: "tea", quantity: 2, requestedPrice: nil),
                    .init(productId: "cup", quantity: 1, requestedPrice: Money(minorUnits: 100)),
                ], requestedCurrency: nil)
            let insertion = try await store.insert(
                asked, idempotency: Fixtures.idempotency(for: asked, expiresAt: Fixtures.hourLater),
                now: Fixtures.epoch,
                token: nil, pricing: pricing)
            guard case .created(let order) = insertion else {
                throw ConformanceFailure("the priced order was not created")
            }
            try require(
                order.items.map(\.name) == ["Product tea", "Product cup"]
                    && order.items.map(\.unitPrice.minorUnits) == [499, 100],
                "the lines do not hold the catalog's names and prices")
            try require(
                order.total == Money(minorUnits: 1098) && order.currency.value == "EUR", "wrong total or currency")
            try require(try await store.order(order.id, of: userId) == order, "the priced order did not read back")
            // A price change after placement: the order keeps its prices, and a replay answers it unchanged.
            _ = try await store.putProduct(Fixtures.product("tea", price: 999, currency: "EUR"))
            try require(try await store.order(order.id, of: userId) == order, "a price change altered a placed order")
            let replay = try await store.insert(
                Fixtures.order(for: userId),
                idempotency: Fixtures.idempotency(for: asked, expiresAt: Fixtures.hourLater),
                now: Fixtures.epoch, token: nil, pricing: pricing)
            guard case .existing(let original, _) = replay, original == order else {
                throw ConformanceFailure("a replay after a price change did not answer the original order")
            }
        },
        ConformanceCheck("an order the catalog cannot price stores nothing") { store in
            _ = try await store.putProduct(Fixtures.product("tea", price: 499))
            var retired = Fixtures.product("old")
            retired.active = false
            _ = try await store.putProduct(retired)
            let userId = UserID()
            func insert(_ lines: [CatalogPricing.Line], currency: String? = nil) async throws -> OrderInsertion {
                try await store.insert(
                    Fixtures.order(for: userId), idempotency: nil, now: Fixtures.epoch, token: nil,
                    pricing: CatalogPricing(lines: lines, requestedCurrency: currency.map(CurrencyCode.init(trusted:))))
            }
            try await requireError(.unprocessable, "an unknown and an inactive product") {
                try await insert([
                    .init(productId: "nope", quantity: 1, requestedPrice: nil),
                    .init(productId: "old", quantity: 1, requestedPrice: nil),
                ])
            }
            do {
                _ = try await insert([.init(productId: "tea", quantity: 1, requestedPrice: Money(minorUnits: 399))])
                throw ConformanceFailure("a stale client price was charged")
            } catch let error as CommerceError where error.code == .priceChanged {
                let current = [ItemPrice(productId: "tea", price: Money(minorUnits: 499), currency: .usd)]
                try require(error.prices == current, "the error does not list the current price")
            }
            try await requireError(.priceChanged, "another currency than the catalog's") {
                try await insert([.init(productId: "tea", quantity: 1, requestedPrice: nil)], currency: "EUR")
            }
            try require(
                try await store.orders(of: userId, after: nil, limit: 10).isEmpty, "an unpriceable order was stored")
        },
        ConformanceCheck("an order reads back by id, only under its user") { store in
            let order = Fixtures.order(for: UserID())
            _ = try await store.insert(order, idempotency: nil, now: Fixtures.epoch)
            try require(try await store.order(order.id, of: order.userId) == order, "not read back by id")
            try require(try await store.order(order.id, of: UserID()) == nil, "found under another user")
            try require(try await store.order(OrderID(), of: order.userId) == nil, "an unknown id found an order")
        },
        ConformanceCheck("a transition is a compare-and-set that appends to the history") { store in
            let order = Fixtures.order(for: UserID())
            _ = try await store.insert(order, idempotency: nil, now: Fixtures.epoch)
            let confirm = OrderHistoryEntry(status: .confirmed, at: Fixtures.hourLater, by: .staff)
            let confirmed = try await store.transition(order, to: confirm)
            try require(confirmed == order.moved(to: confirm), "the moved order is not the order moved")
            try require(confirmed?.version == 2 && confirmed?.history.count == 2, "version or history did not grow")
            try require(try await store.order(order.id, of: order.userId) == confirmed, "the move did not read back")
            let stale = try await store.transition(
                order, to: OrderHistoryEntry(status: .cancelled, at: Fixtures.hourLater, by: .customer))
            try require(stale == nil, "a transition from a stale version succeeded")
            let cancel = OrderHistoryEntry(
                status: .cancelled, at: Fixtures.hourLater.addingTimeInterval(1), by: .customer, reason: "late")
            let cancelled = try await store.transition(try required(confirmed, "no moved order"), to: cancel)
            try require(
                cancelled?.history.map(\.status) == [.pending, .confirmed, .cancelled], "the history is not in order")
            try require(cancelled?.history.last?.reason == "late", "the reason was not kept")
            try require(
                try await store.order(order.id, of: order.userId) == cancelled, "the second move did not read back")
        },
        ConformanceCheck("of racing transitions from one version, exactly one wins") { store in
            let order = Fixtures.order(for: UserID())
            _ = try await store.insert(order, idempotency: nil, now: Fixtures.epoch)
            let winners = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<20 {
                    let entry = OrderHistoryEntry(
                        status: index.isMultiple(of: 2) ? .cancelled : .confirmed, at: Fixtures.hourLater, by: .staff)
                    group.addTask { try await store.transition(order, to: entry) != nil }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            try require(winners == 1, "\(winners) of 20 racing transitions won")
            let stored = try await store.order(order.id, of: order.userId)
            try require(stored?.version == 2 && stored?.history.count == 2, "the history took more than one step")
        },
        ConformanceCheck("every user's orders list newest first, by status, page by page") { store in
            var all: [Order] = []
            for index in 0..<9 {
                let order = Fixtures.order(for: UserID(), at: Fixtures.epoch.addingTimeInterval(Double(index % 4)))
                _ = try await store.insert(order, idempotency: nil, now: Fixtures.epoch)
                all.append(order)
            }
            var confirmed: [Order] = []
            for order in all.prefix(4) {
                let entry = OrderHistoryEntry(status: .confirmed, at: Fixtures.hourLater, by: .staff)
                confirmed.append(try required(try await store.transition(order, to: entry), "a transition failed"))
            }
            let newestFirst: (Order, Order) -> Bool = { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
            let everyone = Array(confirmed + all.dropFirst(4)).sorted(by: newestFirst)
            var pages: [Order] = []
            var cursor: OrderCursor?
            repeat {
                let page = try await store.allOrders(status: nil, after: cursor, limit: 2)
                pages += page
                cursor = page.count == 2 ? page.last?.cursor : nil
            } while cursor != nil
            try require(pages == everyone, "every order, newest first, across pages: not so")
            let onlyConfirmed = try await store.allOrders(status: .confirmed, after: nil, limit: 100)
            try require(onlyConfirmed == confirmed.sorted(by: newestFirst), "the status filter is wrong")
            let first = confirmed[0]
            try require(
                try await store.orders(of: first.userId, status: .pending, after: nil, limit: 10).isEmpty,
                "a user's list by status shows another status")
            try require(
                try await store.orders(of: first.userId, status: .confirmed, after: nil, limit: 10) == [first],
                "a user's list by status misses the order")
        },
        ConformanceCheck("a user's live list pages and filters by status as the list does") { store in
            // A store may answer the live list (the hot read, with the tombstone and the token's mark) by a
            // statement of its own: it must page and filter exactly as `orders(of:)` does.
            let userId = UserID()
            var confirmed: [Order] = []
            for index in 0..<10 {
                let order = Fixtures.order(for: userId, at: Fixtures.epoch.addingTimeInterval(Double(index % 3)))
                _ = try await store.insert(order, idempotency: nil, now: Fixtures.epoch)
                if index.isMultiple(of: 2) {
                    let entry = OrderHistoryEntry(status: .confirmed, at: Fixtures.hourLater, by: .staff)
                    confirmed.append(try required(try await store.transition(order, to: entry), "a transition failed"))
                }
            }
            let token = CallerToken(userId: userId, issuedAt: Fixtures.hourLater)
            for status in [nil, OrderStatus.pending, .confirmed] {
                var (live, listed): ([Order], [Order]) = ([], [])
                var cursor: OrderCursor?
                repeat {
                    let page = try required(
                        try await store.liveOrders(of: userId, status: status, after: cursor, limit: 3, token: token),
                        "a live user's list is nil")
                    try require(page.count <= 3, "a live page is longer than its limit")
                    live += page
                    listed += try await store.orders(of: userId, status: status, after: cursor, limit: 3)
                    cursor = page.count == 3 ? page.last?.cursor : nil
                } while cursor != nil
                try require(live == listed, "the live list and the list differ (status \(status?.rawValue ?? "any"))")
                try require(live.count == (status == nil ? 10 : 5), "the live list is not every matching order")
                if status == .confirmed {
                    let newestFirst = confirmed.sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
                    try require(live == newestFirst, "the confirmed orders, newest first: not so")
                }
            }
        },
        ConformanceCheck("a purge or an anonymisation voids every token of the deleted user") { store in
            let (purged, anonymised, other) = (UserID(), UserID(), UserID())
            _ = try await store.insert(Fixtures.order(for: other), idempotency: nil, now: Fixtures.epoch)
            _ = try await store.revokeTokens(of: purged, issuedBefore: Fixtures.epoch)
            _ = try await store.purge(purged, at: Fixtures.hourLater)
            _ = try await store.anonymise(anonymised, as: UserID(), at: Fixtures.hourLater)
            for userId in [purged, anonymised] {
                try require(
                    try await store.tokensVoidBefore(of: userId) == CallerToken.deletedUserMark,
                    "the deleted user's mark is not the deleted user's mark")
                // A token issued just now, of a user who was staff: every order is refused to it.
                let token = CallerToken(userId: userId, issuedAt: Fixtures.dayLater)
                try await requireError(.unauthenticated, "every order with a deleted user's token") {
                    try await store.allOrders(status: nil, after: nil, limit: 10, token: token)
                }
            }
            try require(try await store.tokensVoidBefore(of: other) == nil, "another user's tokens were voided")
        },
        ConformanceCheck("a purged user's orders can be neither read nor moved") { store in
            let order = Fixtures.order(for: UserID())
            _ = try await store.insert(order, idempotency: nil, now: Fixtures.epoch)
            _ = try await store.purge(order.userId, at: Fixtures.hourLater)
            try require(try await store.order(order.id, of: order.userId) == nil, "a purged order reads back")
            let moved = try await store.transition(
                order, to: OrderHistoryEntry(status: .confirmed, at: Fixtures.hourLater, by: .staff))
            try require(moved == nil, "a purged order moved")
            try require(
                try await store.allOrders(status: nil, after: nil, limit: 10).isEmpty, "a purged order is listed")
        },
    ]

    /// 40 inserts of `userId`'s orders with `removal` started amid them; an insert refused because the user
    /// is gone is expected.
    private static func raceInserts(
        of userId: UserID, into store: any OrderStore, removal: @escaping @Sendable () async throws -> Void
    ) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<40 {
                if index == 20 { group.addTask { try await removal() } }
                group.addTask {
                    do {
                        _ = try await store.insert(Fixtures.order(for: userId), idempotency: nil, now: Fixtures.epoch)
                    } catch let error as CommerceError where error.code == .notFound {}
                }
            }
            try await group.waitForAll()
        }
    }
}
