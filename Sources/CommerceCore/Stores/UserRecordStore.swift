import Foundation

/// Where the User service keeps its users: the records, their roles and profiles, and their deletion.
///
/// Contract (checked by `UserRecordConformance` in CommerceTesting; every implementation must pass it):
/// - A user's ``UserRole`` reads back as stored (`customer` unless set); ``setRole(_:to:at:)`` changes it
///   and `updatedAt`, and nothing else.
/// - Emails are unique: ``insert(_:)`` of a record whose normalised email is taken throws
///   ``CommerceError`` with code ``CommerceError/Code/conflict`` and stores nothing. A taken id likewise. Of
///   racing inserts of one email, exactly one is stored.
/// - ``updateProfile(_:ifUpdatedAt:)`` is a compare-and-set on `updatedAt`: of racing updates from one
///   `updatedAt`, exactly one is stored.
/// - ``delete(_:at:requestID:)`` removes the user **and** records a pending ``OutboxEvent`` in the store's
///   ``OutboxStore`` (with the request id, and ``TraceContextText/current()`` as taken when the call is made,
///   both returned as given by ``OutboxStore/pendingEvents(limit:)``) as one
///   atomic step: after a crash either both happened or neither did. Deleting an unknown id returns `nil`,
///   changes nothing and records no event. A store of this concern is therefore an ``OutboxStore`` too.
/// - Backend failures are thrown as ``CommerceError`` (``CommerceError/Code/unavailable`` when transient),
///   never as a driver's own error type.
public protocol UserRecordStore: Sendable {
    /// Stores a new user. Throws `conflict` when the id or email is taken.
    func insert(_ record: UserRecord) async throws
    /// The user with this id, or `nil`.
    func user(id: UserID) async throws -> UserRecord?
    /// The user with this normalised email, or `nil`.
    func user(email: EmailAddress) async throws -> UserRecord?
    /// Stores `user`'s profile — username, email, phone, address and `updatedAt`; never its id, role or
    /// creation time, nor the hash — if the stored `updatedAt` is still `previous` (compare-and-set). `false`
    /// when it is not, or there is no such user. A taken email is `conflict`.
    func updateProfile(_ user: User, ifUpdatedAt previous: Date) async throws -> Bool
    /// Sets the user's role and `updatedAt`; the updated record, or `nil` when there is no such user.
    func setRole(_ id: UserID, to role: UserRole, at date: Date) async throws -> UserRecord?
    /// Deletes the user and records its ``OutboxEvent`` atomically; `nil` when there was no such user.
    func delete(_ id: UserID, at date: Date, requestID: RequestID?) async throws -> OutboxEvent?
    /// Returns when the backend answers a query now; throws ``CommerceError/Code/unavailable`` otherwise.
    /// What `GET /ready` asks. The default looks up an unknown id.
    func checkReadiness() async throws
}

extension UserRecordStore {
    /// Looks up a user id that does not exist: a real query, answered from an index.
    public func checkReadiness() async throws {
        _ = try await user(id: UserID())
    }

    /// ``delete(_:at:requestID:)`` with no request id.
    public func delete(_ id: UserID, at date: Date) async throws -> OutboxEvent? {
        try await delete(id, at: date, requestID: nil)
    }
}
