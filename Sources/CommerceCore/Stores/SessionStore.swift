import Foundation

/// Where the User service keeps its users' sessions and the refresh tokens that keep them going, and where
/// it revokes them.
///
/// Contract (checked by `SessionConformance` in CommerceTesting; every implementation must pass it):
/// - ``startSession(_:)`` stores a session with its first refresh token.
/// - ``rotate(refreshTokenHash:nextHash:nextExpiresAt:now:)`` is atomic: a live token is spent and its
///   successor stored in its session (`rotated`, with the spent token's issue time); a spent one ends its
///   whole session (`reused`); an unknown or expired token, or one of an ended session, changes nothing
///   (`unknown`). Of two racing rotations of one token, one rotates and the other is `reused`. A successor
///   is issued at the later of `now` and its predecessor's issue time, so issue times never go back within
///   a session (a session started at a revocation's mark stays at or after it on any replica's clock).
/// - ``endSession(_:at:)`` and ``endSessions(of:at:)`` end sessions for good: their tokens never rotate
///   again.
/// - ``revokeSessions(_:)`` is one atomic step: every session of the user ends, the user's
///   ``UserRecord/tokensVoidBefore`` becomes ``SessionRevocation/mark(after:)`` of the stored mark (the
///   revocation's time, or a millisecond past the stored mark when that is later: so it voids a token a
///   sign-in stamped at the stored mark), the new password hash (if any) is stored, the new session (if any)
///   starts at that mark and survives (``SessionRevocation/newSession(at:)``), and a pending
///   ``OutboxEvent`` of kind ``OutboxEvent/Kind/tokensRevoked(issuedBefore:)`` carrying the stored mark is
///   recorded in the store's ``OutboxStore``. An unknown user changes nothing and returns `nil`. Sessions
///   belong to the users of the store's ``UserRecordStore``, so a store of this concern is both of those.
/// - ``sweepExpiredRefreshTokens(now:limit:)`` deletes at most `limit` refresh tokens that expired at or
///   before `now` (never a live one) and returns how many.
/// - Backend failures are thrown as ``CommerceError``, never as a driver's own error type.
public protocol SessionStore: Sendable {
    /// Stores a new session with its first refresh token.
    func startSession(_ first: RefreshTokenRecord) async throws
    /// Presents a refresh token (by its hash): spends it and stores its successor — `nextHash`, in the same
    /// session, issued at the later of `now` and the spent token's issue time, expiring at `nextExpiresAt` —
    /// atomically.
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
    /// Deletes up to `limit` refresh tokens that expired at or before `now`; returns how many.
    func sweepExpiredRefreshTokens(now: Date, limit: Int) async throws -> Int
}
