import CommerceCore
import Foundation

/// A ``UserStore`` in memory: for tests, examples and throwaway runs. Nothing survives the process.
/// Every operation is one actor turn, so each is atomic.
public actor InMemoryUserStore: UserStore {
    private var usersById: [UserID: UserRecord] = [:]
    private var idsByEmail: [EmailAddress: UserID] = [:]
    /// Undelivered events, oldest first.
    private var pending: [UserDeletedEvent] = []

    /// An empty store.
    public init() {}

    /// See ``UserStore/insert(_:)``.
    public func insert(_ record: UserRecord) throws {
        guard usersById[record.user.id] == nil else { throw CommerceError.userIdTaken }
        guard idsByEmail[record.user.email] == nil else { throw CommerceError.emailTaken }
        usersById[record.user.id] = record
        idsByEmail[record.user.email] = record.user.id
    }

    /// See ``UserStore/setRole(_:to:at:)``.
    public func setRole(_ id: UserID, to role: UserRole, at date: Date) throws -> UserRecord? {
        guard var record = usersById[id] else { return nil }
        record.user.role = role
        record.user.updatedAt = date
        usersById[id] = record
        return record
    }

    /// See ``UserStore/user(id:)``.
    public func user(id: UserID) throws -> UserRecord? { usersById[id] }

    /// See ``UserStore/user(email:)``.
    public func user(email: EmailAddress) throws -> UserRecord? { idsByEmail[email].flatMap { usersById[$0] } }

    /// See ``UserStore/delete(_:at:requestID:)``.
    public func delete(_ id: UserID, at date: Date, requestID: RequestID?) throws -> UserDeletedEvent? {
        guard let record = usersById.removeValue(forKey: id) else { return nil }
        idsByEmail[record.user.email] = nil
        let event = UserDeletedEvent(userId: id, occurredAt: date, requestID: requestID)
        pending.append(event)
        return event
    }

    /// See ``UserStore/pendingDeletions(limit:)``.
    public func pendingDeletions(limit: Int) throws -> [UserDeletedEvent] { Array(pending.prefix(max(0, limit))) }

    /// See ``UserStore/markDelivered(_:)``.
    public func markDelivered(_ id: EventID) throws { pending.removeAll { $0.id == id } }

    /// See ``UserStore/deletionBacklog()``.
    public func deletionBacklog() throws -> DeletionBacklog {
        DeletionBacklog(count: pending.count, oldestOccurredAt: pending.map(\.occurredAt).min())
    }
}
