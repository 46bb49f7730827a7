import Foundation

/// Where the User service keeps password-reset tokens (their hashes), and where a reset is carried out.
///
/// Contract (checked by `PasswordResetConformance` in CommerceTesting; every implementation must pass it):
/// - ``issueResetToken(hash:forEmail:issuedAt:expiresAt:)`` stores a reset token (its hash) for the user
///   with that normalised email and returns the user's id; for an unknown email it stores nothing and
///   returns `nil`.
/// - ``confirmPasswordReset(tokenHash:passwordHash:now:tokensIssuedBefore:requestID:)`` is one atomic step:
///   a live token (`expiresAt > now`) is spent together with every other reset token of its user, and the
///   user's password is set and its sessions revoked as ``SessionStore/revokeSessions(_:)`` does, returning
///   the revocation's event (its trace context ``TraceContextText/current()`` as taken when the call is
///   made); an unknown, expired or spent token changes nothing and returns `nil`. Of racing
///   confirmations of one token, exactly one succeeds. A reset touches the user, their sessions and the
///   outbox at once, so a store of this concern is every concern of ``UserStore``.
/// - ``sweepExpiredResetTokens(now:limit:)`` deletes at most `limit` reset tokens that expired at or before
///   `now` (never a live one) and returns how many.
/// - Backend failures are thrown as ``CommerceError``, never as a driver's own error type.
public protocol PasswordResetStore: Sendable {
    /// Stores a reset token for the user with `email`; that user's id, or `nil` (and nothing stored) when no
    /// user has it.
    func issueResetToken(hash: String, forEmail email: EmailAddress, issuedAt: Date, expiresAt: Date) async throws
        -> UserID?
    /// Spends a live reset token and, in the same step, sets its user's password and revokes their sessions
    /// and older tokens; the revocation's event, or `nil` when the token is unknown, expired or spent.
    func confirmPasswordReset(
        tokenHash: String, passwordHash: String, now: Date, tokensIssuedBefore: Date, requestID: RequestID?
    ) async throws -> OutboxEvent?
    /// Deletes up to `limit` reset tokens that expired at or before `now`; returns how many.
    func sweepExpiredResetTokens(now: Date, limit: Int) async throws -> Int
}
