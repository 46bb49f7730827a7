import Foundation

/// An access token as a store judges it: the user it speaks for and when it was issued. A store handed one
/// with a read refuses that read, in the same query, when the user's tokens issued before a later time were
/// voided (log out everywhere, a password change or reset).
public struct CallerToken: Sendable, Hashable {
    /// The token's subject.
    public let userId: UserID
    /// The token's `iat`, in whole milliseconds.
    public let issuedAt: Date

    /// The caller token of a token of `userId` issued at `issuedAt`.
    public init(userId: UserID, issuedAt: Date) {
        self.userId = userId
        self.issuedAt = issuedAt.roundedToMilliseconds
    }

    /// Returns when the token is not voided by `voidBefore` (the stored mark of its user, if any).
    /// - Throws: ``CommerceError/tokenRevoked`` when it was issued before the mark.
    public func check(voidBefore: Date?) throws(CommerceError) {
        if let voidBefore, issuedAt < voidBefore { throw .tokenRevoked }
    }
}

extension CallerToken {
    /// The revocation mark of a deleted user: later than any token can be issued (the last millisecond of
    /// the year 9999), so every token of theirs is refused by every route that judges its caller's token —
    /// staff acting on other users' orders too. A time of its own rather than the deletion's, so the mark
    /// says nothing of when the user was deleted.
    public static let deletedUserMark = Date(millisecondsSince1970: 253_402_300_799_999)
}

extension CommerceError {
    /// An access token issued before its user voided their tokens.
    public static let tokenRevoked = CommerceError.unauthenticated(
        "The token was revoked (signed out everywhere, or the password changed); sign in again.")
}
