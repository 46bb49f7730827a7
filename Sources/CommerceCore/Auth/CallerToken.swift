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

extension CommerceError {
    /// An access token issued before its user voided their tokens.
    public static let tokenRevoked = CommerceError.unauthenticated(
        "The token was revoked (signed out everywhere, or the password changed); sign in again.")
}
