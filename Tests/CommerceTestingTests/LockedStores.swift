import CommerceCore
import Foundation
import Synchronization

// Stores written the way an app that brings its own storage would write them: plain arrays behind a lock,
// nothing from the library's own stores. The harness and the conformance suite must work on them.

/// A ``UserStore`` over arrays behind a `Mutex`.
final class LockedUserStore: UserStore {
    private struct State {
        var users: [UserRecord] = []
        var pending: [OutboxEvent] = []
        var tokens: [(record: RefreshTokenRecord, spent: Bool)] = []
        var ended: Set<SessionID> = []
        var resets: [(hash: String, userId: UserID, expiresAt: Date)] = []

        mutating func revoke(_ revocation: SessionRevocation) -> OutboxEvent? {
            guard let index = users.firstIndex(where: { $0.user.id == revocation.userId }) else { return nil }
            let mark = revocation.mark(after: users[index].tokensVoidBefore)
            users[index].tokensVoidBefore = mark
            if let hash = revocation.passwordHash { users[index].passwordHash = hash }
            for token in tokens where token.record.userId == revocation.userId { ended.insert(token.record.sessionId) }
            if let session = revocation.newSession(at: mark) { tokens.append((session, false)) }
            let event = OutboxEvent(
                userId: revocation.userId, kind: .tokensRevoked(issuedBefore: mark),
                occurredAt: revocation.tokensIssuedBefore, requestID: revocation.requestID)
            append(event)
            return event
        }

        /// Oldest first, whatever order the events arrive in.
        mutating func append(_ event: OutboxEvent) {
            let later = pending.firstIndex { $0.occurredAt > event.occurredAt } ?? pending.endIndex
            pending.insert(event, at: later)
        }
    }

    private let state = Mutex(State())

    func insert(_ record: UserRecord) async throws {
        try state.withLock { state in
            if state.users.contains(where: { $0.user.id == record.user.id || $0.user.email == record.user.email }) {
                throw CommerceError.conflict("A user with this email already exists.")
            }
            state.users.append(record)
        }
    }

    func setRole(_ id: UserID, to role: UserRole, at date: Date) async throws -> UserRecord? {
        state.withLock { state in
            guard let index = state.users.firstIndex(where: { $0.user.id == id }) else { return nil }
            state.users[index].user.role = role
            state.users[index].user.updatedAt = date
            return state.users[index]
        }
    }

    func updateProfile(_ user: User, ifUpdatedAt previous: Date) async throws -> Bool {
        try state.withLock { state in
            guard let index = state.users.firstIndex(where: { $0.user.id == user.id }),
                state.users[index].user.updatedAt == previous
            else { return false }
            if state.users.contains(where: { $0.user.id != user.id && $0.user.email == user.email }) {
                throw CommerceError.emailTaken
            }
            let role = state.users[index].user.role
            state.users[index].user = user
            state.users[index].user.role = role
            return true
        }
    }

    func startSession(_ first: RefreshTokenRecord) async throws {
        state.withLock { $0.tokens.append((first, false)) }
    }

    func rotate(refreshTokenHash: String, nextHash: String, nextExpiresAt: Date, now: Date) async throws
        -> RefreshOutcome
    {
        state.withLock { state in
            guard let index = state.tokens.firstIndex(where: { $0.record.hash == refreshTokenHash }) else {
                return .unknown
            }
            let (record, spent) = state.tokens[index]
            guard record.expiresAt > now, !state.ended.contains(record.sessionId) else { return .unknown }
            if spent {
                state.ended.insert(record.sessionId)
                return .reused(userId: record.userId, sessionId: record.sessionId)
            }
            state.tokens[index].spent = true
            let next = RefreshTokenRecord(
                hash: nextHash, sessionId: record.sessionId, userId: record.userId,
                issuedAt: max(now, record.issuedAt), expiresAt: nextExpiresAt)
            state.tokens.append((next, false))
            return .rotated(userId: record.userId, sessionId: record.sessionId, spentIssuedAt: record.issuedAt)
        }
    }

    func endSession(_ id: SessionID, at date: Date) async throws { state.withLock { _ = $0.ended.insert(id) } }

    func endSessions(of userId: UserID, at date: Date) async throws {
        state.withLock { state in
            for token in state.tokens where token.record.userId == userId { state.ended.insert(token.record.sessionId) }
        }
    }

    func sweepExpiredRefreshTokens(now: Date, limit: Int) async throws -> Int {
        state.withLock { state in
            var swept = 0
            state.tokens.removeAll { token in
                guard swept < limit, token.record.expiresAt <= now else { return false }
                swept += 1
                return true
            }
            return swept
        }
    }

    func sweepExpiredResetTokens(now: Date, limit: Int) async throws -> Int {
        state.withLock { state in
            var swept = 0
            state.resets.removeAll { token in
                guard swept < limit, token.expiresAt <= now else { return false }
                swept += 1
                return true
            }
            return swept
        }
    }

    func revokeSessions(_ revocation: SessionRevocation) async throws -> OutboxEvent? {
        state.withLock { $0.revoke(revocation) }
    }

    func recordEvent(_ event: OutboxEvent) async throws {
        state.withLock { $0.append(event) }
    }

    func issueResetToken(hash: String, forEmail email: EmailAddress, issuedAt: Date, expiresAt: Date) async throws
        -> UserID?
    {
        state.withLock { state in
            guard let user = state.users.first(where: { $0.user.email == email }) else { return nil }
            state.resets.append((hash, user.user.id, expiresAt))
            return user.user.id
        }
    }

    func confirmPasswordReset(
        tokenHash: String, passwordHash: String, now: Date, tokensIssuedBefore: Date, requestID: RequestID?
    ) async throws -> OutboxEvent? {
        state.withLock { state in
            guard let reset = state.resets.first(where: { $0.hash == tokenHash && $0.expiresAt > now }) else {
                return nil
            }
            state.resets.removeAll { $0.userId == reset.userId }
            return state.revoke(
                SessionRevocation(
                    userId: reset.userId, tokensIssuedBefore: tokensIssuedBefore, passwordHash: passwordHash,
                    requestID: requestID))
        }
    }

    func user(id: UserID) async throws -> UserRecord? {
        state.withLock { $0.users.first { $0.user.id == id } }
    }

    func user(email: EmailAddress) async throws -> UserRecord? {
        state.withLock { $0.users.first { $0.user.email == email } }
    }

    func delete(_ id: UserID, at date: Date, requestID: RequestID?) async throws -> OutboxEvent? {
        state.withLock { state in
            guard let index = state.users.firstIndex(where: { $0.user.id == id }) else { return nil }
            state.users.remove(at: index)
            state.tokens.removeAll { $0.record.userId == id }
            state.resets.removeAll { $0.userId == id }
            let event = OutboxEvent(userId: id, occurredAt: date, requestID: requestID)
            state.append(event)
            return event
        }
    }

    func pendingEvents(of topics: Set<OutboxEvent.Topic>, limit: Int) async throws -> [OutboxEvent] {
        state.withLock { Array($0.pending.filter { topics.contains($0.kind.topic) }.prefix(max(0, limit))) }
    }

    func markDelivered(_ id: EventID) async throws {
        state.withLock { $0.pending.removeAll { $0.id == id } }
    }

    func outboxBacklog() async throws -> OutboxBacklog {
        state.withLock { OutboxBacklog(count: $0.pending.count, oldestOccurredAt: $0.pending.first?.occurredAt) }
    }
}

/// An ``OrderStore`` over arrays behind a `Mutex`.
final class LockedOrderStore: OrderStore {
    private struct State {
        var orders: [Order] = []
        var records: [IdempotencyRecord] = []
        var tombstones: Set<UserID> = []
        var voidBefore: [UserID: Date] = [:]
        var products: [Product] = []
        var stockTaken: [OrderID: [String: Int]] = [:]

        /// Puts back what the order took, once.
        mutating func putBack(_ orderId: OrderID) {
            for (productId, quantity) in stockTaken.removeValue(forKey: orderId) ?? [:] {
                if let index = products.firstIndex(where: { $0.id == productId }) { products[index].stock? += quantity }
            }
        }

        /// Puts back the stock of a deleted user's unshipped orders.
        mutating func settleStock(of userId: UserID) {
            for order in orders where order.userId == userId {
                if OrderLifecycle.returningStockOnDeletion.contains(order.status) {
                    putBack(order.id)
                } else {
                    stockTaken[order.id] = nil
                }
            }
        }

        func check(_ token: CallerToken?) throws {
            if let token { try token.check(voidBefore: voidBefore[token.userId]) }
        }

        func liveRecord(_ userId: UserID, _ key: IdempotencyKey, now: Date) -> (order: Order, fingerprint: String)? {
            guard let record = records.first(where: { $0.userId == userId && $0.key == key && $0.expiresAt > now }),
                let order = orders.first(where: { $0.id == record.orderId })
            else { return nil }
            return (order, record.fingerprint)
        }
    }

    private let state = Mutex(State())

    func insert(
        _ order: Order, idempotency: IdempotencyRecord?, now: Date, token: CallerToken?, pricing: CatalogPricing?
    ) async throws -> OrderInsertion {
        try state.withLock { state in
            try state.check(token)
            if state.tombstones.contains(order.userId) { throw CommerceError.notFound("The user no longer exists.") }
            if let idempotency, let previous = state.liveRecord(idempotency.userId, idempotency.key, now: now) {
                return .existing(previous.order, fingerprint: previous.fingerprint)
            }
            let catalog = Dictionary(state.products.map { ($0.id, $0) }) { $1 }
            let order = try pricing?.priced(order, catalog: catalog) ?? order
            let take = try pricing?.stockToTake(from: catalog) ?? [:]
            for (productId, quantity) in take {
                if let index = state.products.firstIndex(where: { $0.id == productId }) {
                    state.products[index].stock? -= quantity
                }
            }
            if !take.isEmpty { state.stockTaken[order.id] = take }
            if let idempotency {
                state.records.removeAll { $0.userId == idempotency.userId && $0.key == idempotency.key }
                state.records.append(idempotency)
            }
            state.orders.append(order)
            return .created(order)
        }
    }

    func idempotentOrder(userId: UserID, key: IdempotencyKey, now: Date, token: CallerToken?) async throws
        -> (order: Order, fingerprint: String)?
    {
        try state.withLock { state in
            try state.check(token)
            return state.liveRecord(userId, key, now: now)
        }
    }

    func liveOrders(
        of userId: UserID, status: OrderStatus?, after cursor: OrderCursor?, limit: Int, token: CallerToken?
    ) async throws -> [Order]? {
        let mine = try state.withLock { state -> [Order]? in
            try state.check(token)
            return state.tombstones.contains(userId) ? nil : state.orders.filter { $0.userId == userId }
        }
        return mine.map { Self.page($0, status: status, after: cursor, limit: limit) }
    }

    func revokeTokens(of userId: UserID, issuedBefore date: Date) async throws -> Date {
        state.withLock { state in
            let mark = max(state.voidBefore[userId] ?? date, date)
            state.voidBefore[userId] = mark
            return mark
        }
    }

    func tokensVoidBefore(of userId: UserID) async throws -> Date? {
        state.withLock { $0.voidBefore[userId] }
    }

    func putProduct(_ product: Product) async throws -> Bool {
        state.withLock { state in
            let existed = state.products.contains { $0.id == product.id }
            state.products.removeAll { $0.id == product.id }
            state.products.append(product)
            return !existed
        }
    }

    func product(_ id: String) async throws -> Product? {
        state.withLock { $0.products.first { $0.id == id } }
    }

    func adjustStock(of id: String, by change: Int, at date: Date) async throws -> Product? {
        try state.withLock { state in
            guard let index = state.products.firstIndex(where: { $0.id == id }) else { return nil }
            state.products[index] = try state.products[index].adjustingStock(by: change, at: date)
            return state.products[index]
        }
    }

    func products(active: Bool?, inStock: Bool?, after: String?, limit: Int) async throws -> [Product] {
        let all = state.withLock { $0.products }
        let byBytes = all.sorted { Array($0.id.utf8).lexicographicallyPrecedes(Array($1.id.utf8)) }
        let matching = byBytes.filter { product in
            (active == nil || product.active == active) && product.matches(inStock: inStock)
                && (after.map { Array($0.utf8).lexicographicallyPrecedes(Array(product.id.utf8)) } ?? true)
        }
        return Array(matching.prefix(max(0, limit)))
    }

    func orders(of userId: UserID, status: OrderStatus?, after cursor: OrderCursor?, limit: Int) async throws
        -> [Order]
    {
        let mine = state.withLock { $0.orders.filter { $0.userId == userId } }
        return Self.page(mine, status: status, after: cursor, limit: limit)
    }

    func allOrders(status: OrderStatus?, after cursor: OrderCursor?, limit: Int, token: CallerToken?) async throws
        -> [Order]
    {
        let all = try state.withLock { state in
            try state.check(token)
            return state.orders
        }
        return Self.page(all, status: status, after: cursor, limit: limit)
    }

    private static func page(_ orders: [Order], status: OrderStatus?, after cursor: OrderCursor?, limit: Int)
        -> [Order]
    {
        let newestFirst = orders.sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
        let matching = newestFirst.filter { (status == nil || $0.status == status) && (cursor?.precedes($0) ?? true) }
        return Array(matching.prefix(max(0, limit)))
    }

    func order(_ id: OrderID, of userId: UserID, token: CallerToken?) async throws -> Order? {
        try state.withLock { state in
            try state.check(token)
            return state.orders.first { $0.id == id && $0.userId == userId }
        }
    }

    func transition(_ order: Order, to entry: OrderHistoryEntry) async throws -> Order? {
        state.withLock { state in
            guard let index = state.orders.firstIndex(where: { $0.id == order.id && $0.userId == order.userId }),
                state.orders[index].status == order.status, state.orders[index].version == order.version
            else { return nil }
            state.orders[index] = state.orders[index].moved(to: entry)
            if !OrderLifecycle.holdingStock.contains(entry.status) { state.putBack(order.id) }
            return state.orders[index]
        }
    }

    func purge(_ userId: UserID, at date: Date) async throws -> Int {
        state.withLock { state in
            let before = state.orders.count
            state.settleStock(of: userId)
            state.orders.removeAll { $0.userId == userId }
            state.records.removeAll { $0.userId == userId }
            state.tombstones.insert(userId)
            state.voidBefore[userId] = CallerToken.deletedUserMark
            return before - state.orders.count
        }
    }

    func anonymise(_ userId: UserID, as anonymous: UserID, at date: Date) async throws -> Int {
        state.withLock { state in
            var kept = 0
            state.settleStock(of: userId)
            for index in state.orders.indices where state.orders[index].userId == userId {
                state.orders[index] = state.orders[index].anonymised(as: anonymous, at: date)
                kept += 1
            }
            state.records.removeAll { $0.userId == userId }
            state.tombstones.insert(userId)
            state.voidBefore[userId] = CallerToken.deletedUserMark
            return kept
        }
    }

    func sweepExpiredIdempotencyRecords(now: Date, limit: Int) async throws -> Int {
        state.withLock { state in
            var swept = 0
            state.records.removeAll { record in
                guard swept < limit, record.expiresAt <= now else { return false }
                swept += 1
                return true
            }
            return swept
        }
    }

    func isTombstoned(_ userId: UserID) async throws -> Bool {
        state.withLock { $0.tombstones.contains(userId) }
    }
}
