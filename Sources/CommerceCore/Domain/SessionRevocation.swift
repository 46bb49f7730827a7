import Foundation

/// One atomic change that ends every session of a user and voids their older access tokens — log out
/// everywhere, a password change — with what else changes in the same step
/// (``SessionStore/revokeSessions(_:)``).
public struct SessionRevocation: Sendable, Hashable {
    /// The user.
    public let userId: UserID
    /// Access tokens issued before this are void; the sessions end at it (whole milliseconds).
    public let tokensIssuedBefore: Date
    /// The new password hash, stored in the same step, when the password changes.
    public var passwordHash: String?
    /// A session started in the same step, which survives it: the caller's own after a password change.
    public var newSession: RefreshTokenRecord?
    /// The request that made the change, kept with the outbox event.
    public var requestID: RequestID?
    /// The trace context of that request (``TraceContextText``), kept with the outbox event too.
    public var traceContext: String?

    /// A revocation of `userId`'s tokens issued before `tokensIssuedBefore`.
    public init(
        userId: UserID, tokensIssuedBefore: Date, passwordHash: String? = nil, newSession: RefreshTokenRecord? = nil,
        requestID: RequestID? = nil, traceContext: String? = nil
    ) {
        self.userId = userId
        self.tokensIssuedBefore = tokensIssuedBefore
        self.passwordHash = passwordHash
        self.newSession = newSession
        self.requestID = requestID
        self.traceContext = traceContext
    }

    /// What the user's stored mark becomes: this revocation's time, or one millisecond after the stored mark
    /// when that is later. A sign-in right after a revocation stamps its token at the stored mark (which is a
    /// millisecond ahead of the clock), so a second revocation within that millisecond must go past the mark
    /// to void it; and a mark never moves back.
    public func mark(after stored: Date?) -> Date {
        guard let stored else { return tokensIssuedBefore }
        return max(tokensIssuedBefore, Date(millisecondsSince1970: stored.millisecondsSince1970 + 1))
    }

    /// ``newSession`` as it starts: at `mark` (from ``mark(after:)``), so that the revocation bringing it
    /// does not void it.
    public func newSession(at mark: Date) -> RefreshTokenRecord? {
        newSession.map {
            RefreshTokenRecord(
                hash: $0.hash, sessionId: $0.sessionId, userId: $0.userId, issuedAt: max($0.issuedAt, mark),
                expiresAt: $0.expiresAt)
        }
    }
}

extension SessionRevocation: CustomStringConvertible {
    /// Never the password hash.
    public var description: String {
        "SessionRevocation(userId: \(userId), tokensIssuedBefore: \(tokensIssuedBefore), passwordHash: \(passwordHash == nil ? "unchanged" : "redacted"))"
    }
}
