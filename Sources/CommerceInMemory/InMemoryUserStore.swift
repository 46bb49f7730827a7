import CommerceCore
import Foundation

/// A ``UserStore`` in memory: for tests, examples and throwaway runs. Nothing survives the process.
/// Every operation is one actor turn, so each is atomic.
public actor InMemoryUserStore: UserStore {
    private var usersById: [UserID: UserRecord] = [:]
    private var idsByEmail: [EmailAddress: UserID] = [:]
    /// Undelivered events, oldest first.
    private var pending: [OutboxEvent] = []
    /// Refresh tokens by hash, with when they were spent.
    private var refreshTokens: [String: (record: RefreshTokenRecord, spent: Bool)] = [:]
    /// Sessions ended, by id.
    private var endedSessions: Set<SessionID> = []
    /// Live reset tokens by hash: whose, and until when.
    private var resetTokens: [String: (userId: UserID, expiresAt: Date)] = [:]

    /// An empty store.
    public init() {}

    /// See ``UserRecordStore/insert(_:)``.
    public func insert(_ record: UserRecord) throws {
        guard usersById[record.user.id] == nil else { throw CommerceError.userIdTaken }
        guard idsByEmail[record.user.email] == nil else { throw CommerceError.emailTaken }
        usersById[record.user.id] = record
        idsByEmail[record.user.email] = record.user.id
    }

    /// See ``SessionStore/startSession(_:)``.
    public func startSession(_ first: RefreshTokenRecord) throws {
        refreshTokens[first.hash] = (first, false)
    }

    /// See ``SessionStore/rotate(refreshTokenHash:nextHash:nextExpiresAt:now:)``: one actor turn, so atomic.
    public func rotate(refreshTokenHash: String, nextHash: String, nextExpiresAt: Date, now: Date) throws
        -> RefreshOutcome
    {
        guard let (record, spent) = refreshTokens[refreshTokenHash], record.expiresAt > now,
            !endedSessions.contains(record.sessionId)
        else { return .unknown }
        if spent {
            endedSessions.insert(record.sessionId)
            return .reused(userId: record.userId, sessionId: record.sessionId)
        }
        refreshTokens[refreshTokenHash] = (record, true)
        let next = RefreshTokenRecord(
            hash: nextHash, sessionId: record.sessionId, userId: record.userId, issuedAt: max(now, record.issuedAt),
            expiresAt: nextExpiresAt)
        refreshTokens[next.hash] = (next, false)
        return .rotated(userId: record.userId, sessionId: record.sessionId, spentIssuedAt: record.issuedAt)
    }

    /// See ``SessionStore/endSession(_:at:)``.
    public func endSession(_ id: SessionID, at date: Date) throws { endedSessions.insert(id) }

    /// See ``SessionStore/endSessions(of:at:)``.
    public func endSessions(of userId: UserID, at date: Date) throws {
        for (record, _) in refreshTokens.values where record.userId == userId { endedSessions.insert(record.sessionId) }
    }

    /// See ``OutboxStore/recordEvent(_:)``.
    public func recordEvent(_ event: OutboxEvent) throws { keepPending(event) }

    /// See ``PasswordResetStore/issueResetToken(hash:forEmail:issuedAt:expiresAt:)``.
    public func issueResetToken(hash: String, forEmail email: EmailAddress, issuedAt: Date, expiresAt: Date) throws
        -> UserID?
    {
        guard let userId = idsByEmail[email] else { return nil }
        resetTokens[hash] = (userId, expiresAt)
        return userId
    }

    /// See ``PasswordResetStore/confirmPasswordReset(tokenHash:passwordHash:now:tokensIssuedBefore:requestID:)``: one
    /// actor turn, so atomic.
    public func confirmPasswordReset(
        tokenHash: String, passwordHash: String, now: Date, tokensIssuedBefore: Date, requestID: RequestID?
    ) throws -> OutboxEvent? {
        guard let (userId, expiresAt) = resetTokens[tokenHash], expiresAt > now else { return nil }
        resetTokens = resetTokens.filter { $0.value.userId != userId }
        return try revokeSessions(
            SessionRevocation(
                userId: userId, tokensIssuedBefore: tokensIssuedBefore, passwordHash: passwordHash,
                requestID: requestID, traceContext: TraceContextText.current()))
    }

    /// See ``SessionStore/revokeSessions(_:)``: one actor turn, so atomic.
    public func revokeSessions(_ revocation: SessionRevocation) throws -> OutboxEvent? {
        guard var record = usersById[revocation.userId] else { return nil }
        try endSessions(of: revocation.userId, at: revocation.tokensIssuedBefore)
        let mark = revocation.mark(after: record.tokensVoidBefore)
        record.tokensVoidBefore = mark
        if let hash = revocation.passwordHash { record.passwordHash = hash }
        usersById[revocation.userId] = record
        if let session = revocation.newSession(at: mark) { try startSession(session) }
        let event = OutboxEvent(
            userId: revocation.userId, kind: .tokensRevoked(issuedBefore: mark),
            occurredAt: revocation.tokensIssuedBefore, requestID: revocation.requestID,
            traceContext: revocation.traceContext)
        keepPending(event)
        return event
    }

    /// See ``SessionStore/sweepExpiredRefreshTokens(now:limit:)``.
    public func sweepExpiredRefreshTokens(now: Date, limit: Int) throws -> Int {
        let expired = refreshTokens.filter { $0.value.record.expiresAt <= now }.keys.prefix(max(0, limit))
        for hash in expired { refreshTokens[hash] = nil }
        return expired.count
    }

    /// See ``PasswordResetStore/sweepExpiredResetTokens(now:limit:)``.
    public func sweepExpiredResetTokens(now: Date, limit: Int) throws -> Int {
        let expired = resetTokens.filter { $0.value.expiresAt <= now }.keys.prefix(max(0, limit))
        for hash in expired { resetTokens[hash] = nil }
        return expired.count
    }

    /// See ``UserRecordStore/updateProfile(_:ifUpdatedAt:)``.
    public func updateProfile(_ user: User, ifUpdatedAt previous: Date) throws -> Bool {
        guard var record = usersById[user.id], record.user.updatedAt == previous else { return false }
        if user.email != record.user.email {
            guard idsByEmail[user.email] == nil else { throw CommerceError.emailTaken }
            idsByEmail[record.user.email] = nil
            idsByEmail[user.email] = user.id
        }
        record.user.username = user.username
        record.user.email = user.email
        record.user.phone = user.phone
        record.user.address = user.address
        record.user.updatedAt = user.updatedAt
        usersById[user.id] = record
        return true
    }

    /// See ``UserRecordStore/setRole(_:to:at:)``.
    public func setRole(_ id: UserID, to role: UserRole, at date: Date) throws -> UserRecord? {
        guard var record = usersById[id] else { return nil }
        record.user.role = role
        record.user.updatedAt = date
        usersById[id] = record
        return record
    }

    /// See ``UserRecordStore/user(id:)``.
    public func user(id: UserID) throws -> UserRecord? { usersById[id] }

    /// See ``UserRecordStore/user(email:)``.
    public func user(email: EmailAddress) throws -> UserRecord? { idsByEmail[email].flatMap { usersById[$0] } }

    /// See ``UserRecordStore/delete(_:at:requestID:)``.
    public func delete(_ id: UserID, at date: Date, requestID: RequestID?) throws -> OutboxEvent? {
        guard let record = usersById.removeValue(forKey: id) else { return nil }
        idsByEmail[record.user.email] = nil
        refreshTokens = refreshTokens.filter { $0.value.record.userId != id }  // the user's sessions go too
        resetTokens = resetTokens.filter { $0.value.userId != id }
        let event = OutboxEvent(
            userId: id, occurredAt: date, requestID: requestID, traceContext: TraceContextText.current())
        keepPending(event)
        return event
    }

    /// Keeps `event` among the pending ones, oldest first whatever order they are recorded in (a reset
    /// request may be recorded after a later deletion).
    private func keepPending(_ event: OutboxEvent) {
        let later = pending.firstIndex { $0.occurredAt > event.occurredAt } ?? pending.endIndex
        pending.insert(event, at: later)
    }

    /// See ``OutboxStore/pendingEvents(of:limit:)``.
    public func pendingEvents(of topics: Set<OutboxEvent.Topic>, limit: Int) throws -> [OutboxEvent] {
        Array(pending.lazy.filter { topics.contains($0.kind.topic) }.prefix(max(0, limit)))
    }

    /// See ``OutboxStore/markDelivered(_:)``.
    public func markDelivered(_ id: EventID) throws { pending.removeAll { $0.id == id } }

    /// See ``OutboxStore/outboxBacklog()``.
    public func outboxBacklog() throws -> OutboxBacklog {
        OutboxBacklog(count: pending.count, oldestOccurredAt: pending.map(\.occurredAt).min())
    }
}
