import Foundation

/// Where the User service keeps users, their sessions, and its outbox of events for the Order service.
///
/// Contract (checked by `UserStoreConformance` in CommerceTesting; every implementation must pass it):
/// - A user's ``UserRole`` reads back as stored (`customer` unless set); ``setRole(_:to:at:)`` changes it
///   and `updatedAt`, and nothing else.
/// - Emails are unique: ``insert(_:)`` of a record whose normalised email is taken throws
///   ``CommerceError`` with code ``CommerceError/Code/conflict`` and stores nothing. A taken id likewise.
/// - ``delete(_:at:requestID:)`` removes the user **and** records a pending ``OutboxEvent`` (with the
///   request id, returned as given by ``pendingEvents(limit:)``) as one atomic step: after a crash either
///   both happened or neither did. Deleting an unknown id returns `nil`, changes nothing and records no event.
/// - ``pendingEvents(limit:)`` returns undelivered events oldest first, and keeps returning an event
///   (across restarts, for a durable store) until ``markDelivered(_:)`` is called with its id.
/// - ``claimPendingEvents(limit:now:leaseEnd:)`` returns pending events oldest first and holds each for
///   the caller until `leaseEnd`: until then no other claim returns it, so several processes sharing the
///   store never deliver one event at once; an event still pending after its lease is offered again. The
///   default, for a store used by one process, is ``pendingEvents(limit:)`` (no lease is needed).
/// - ``releaseClaim(_:)`` ends the caller's hold on a pending event at once, so the next claim (any
///   process's) may take it; the event stays pending. The default does nothing (a store without leases).
/// - ``markDelivered(_:)`` is idempotent; an unknown id is not an error.
/// - Sessions: ``startSession(_:)`` stores a session with its first refresh token.
///   ``rotate(refreshTokenHash:nextHash:nextExpiresAt:now:)`` is atomic: a live token is spent and its
///   successor stored in its session
///   (`rotated`); a spent one ends its whole session (`reused`); an unknown or expired token, or one of an
///   ended session, changes nothing (`unknown`). Of two racing rotations of one token, one rotates and the
///   other is `reused`. ``endSession(_:at:)`` and ``endSessions(of:at:)`` end sessions for good: their
///   tokens never rotate again. ``sweepExpiredTokens(now:limit:)`` deletes at most `limit` expired
///   refresh tokens and at most `limit` expired reset tokens, and returns how many in all.
/// - ``recordEvent(_:)`` records a pending event exactly as given (a password-reset request, which changes
///   nothing else).
/// - Password resets: ``issueResetToken(hash:forEmail:issuedAt:expiresAt:)`` stores a reset token (its hash)
///   for the user with that normalised email and returns the user's id; for an unknown email it stores
///   nothing and returns `nil`. ``confirmPasswordReset(tokenHash:passwordHash:now:tokensIssuedBefore:requestID:)``
///   is one atomic step: a live token (`expiresAt > now`) is spent together with every other reset token of
///   its user, and the user's password is set and its sessions revoked as ``revokeSessions(_:)`` does,
///   returning the revocation's event; an unknown, expired or spent token changes nothing and returns
///   `nil`. Of racing confirmations of one token, exactly one succeeds.
/// - ``revokeSessions(_:)`` is one atomic step: every session of the user ends, the user's
///   ``UserRecord/tokensVoidBefore`` becomes the later of the stored mark and the revocation's, the new
///   password hash (if any) is stored, the new session (if any) starts and survives, and a pending
///   ``OutboxEvent`` of kind ``OutboxEvent/Kind/tokensRevoked(issuedBefore:)`` carrying the stored mark is
///   recorded. An unknown user changes nothing and returns `nil`.
/// - ``outboxBacklog()`` counts the pending events and reports the oldest one's time.
/// - Backend failures are thrown as ``CommerceError`` (``CommerceError/Code/unavailable`` when transient),
///   never as a driver's own error type.
public protocol UserStore: Sendable {
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
    /// Up to `limit` undelivered events, oldest first.
    func pendingEvents(limit: Int) async throws -> [OutboxEvent]
    /// Up to `limit` pending events nobody holds, oldest first, held for the caller until `leaseEnd`.
    func claimPendingEvents(limit: Int, now: Date, leaseEnd: Date) async throws -> [OutboxEvent]
    /// Gives up the caller's hold on a pending event, so that the next claim may take it at once.
    func releaseClaim(_ id: EventID) async throws
    /// Stores a new session with its first refresh token.
    func startSession(_ first: RefreshTokenRecord) async throws
    /// Presents a refresh token (by its hash): spends it and stores its successor — `nextHash`, in the same
    /// session, issued `now`, expiring at `nextExpiresAt` — atomically.
    func rotate(refreshTokenHash: String, nextHash: String, nextExpiresAt: Date, now: Date) async throws
        -> RefreshOutcome
    /// Ends a session: its refresh tokens never rotate again. Idempotent.
    func endSession(_ id: SessionID, at date: Date) async throws
    /// Ends every session of a user. Idempotent.
    func endSessions(of userId: UserID, at date: Date) async throws
    /// Ends every session of the user and voids their access tokens issued before the revocation's time,
    /// with its password and new session, and records the ``OutboxEvent`` that tells the Order service, all
    /// atomically; `nil` when there is no such user.
    func revokeSessions(_ revocation: SessionRevocation) async throws -> OutboxEvent?
    /// Deletes up to `limit` refresh tokens and up to `limit` reset tokens that expired at or before `now`;
    /// returns how many in all.
    func sweepExpiredTokens(now: Date, limit: Int) async throws -> Int
    /// Records a pending event as given.
    func recordEvent(_ event: OutboxEvent) async throws
    /// Stores a reset token for the user with `email`; that user's id, or `nil` (and nothing stored) when no
    /// user has it.
    func issueResetToken(hash: String, forEmail email: EmailAddress, issuedAt: Date, expiresAt: Date) async throws
        -> UserID?
    /// Spends a live reset token and, in the same step, sets its user's password and revokes their sessions
    /// and older tokens; the revocation's event, or `nil` when the token is unknown, expired or spent.
    func confirmPasswordReset(
        tokenHash: String, passwordHash: String, now: Date, tokensIssuedBefore: Date, requestID: RequestID?
    ) async throws -> OutboxEvent?
    /// Marks an event delivered so it is not returned again. Idempotent.
    func markDelivered(_ id: EventID) async throws
    /// How many events are pending, and when the oldest happened.
    func outboxBacklog() async throws -> OutboxBacklog
    /// Returns when the backend answers a query now; throws ``CommerceError/Code/unavailable`` otherwise.
    /// What `GET /ready` asks. The default looks up an unknown id.
    func checkReadiness() async throws
}

extension UserStore {
    /// ``pendingEvents(limit:)``: one process needs no lease.
    public func claimPendingEvents(limit: Int, now: Date, leaseEnd: Date) async throws -> [OutboxEvent] {
        try await pendingEvents(limit: limit)
    }

    /// Looks up a user id that does not exist: a real query, answered from an index.
    public func checkReadiness() async throws {
        _ = try await user(id: UserID())
    }

    /// Nothing: without leases, every pending event is offered to every claim.
    public func releaseClaim(_ id: EventID) async throws {}

    /// ``delete(_:at:requestID:)`` with no request id.
    public func delete(_ id: UserID, at date: Date) async throws -> OutboxEvent? {
        try await delete(id, at: date, requestID: nil)
    }
}
