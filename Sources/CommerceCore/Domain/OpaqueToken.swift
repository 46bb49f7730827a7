import CommerceSupport
import Crypto
import Foundation

/// An opaque credential — a refresh token, a password-reset token: 256 random bits, base64url. Only its
/// hash is ever stored, and it never prints.
public struct OpaqueToken: Sendable, Hashable, CustomStringConvertible {
    /// The token as the client holds it.
    public let value: String

    /// A new random token.
    public init() {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        value = CompactToken.encode(Data(bytes))
    }

    /// The token a client sent back.
    public init(presented value: String) { self.value = value }

    /// What a store keeps and looks the token up by: SHA-256 of the token, hex.
    public var hash: String {
        HexText.of(SHA256.hash(data: Data(value.utf8)))
    }

    /// Never the token itself.
    public var description: String { "OpaqueToken(redacted)" }
}

/// What a ``UserStore`` keeps of one refresh token: its hash, the session it continues, and when it expires.
public struct RefreshTokenRecord: Sendable, Hashable {
    /// SHA-256 of the token (``OpaqueToken/hash``).
    public let hash: String
    /// The session the token continues.
    public let sessionId: SessionID
    /// The session's user.
    public let userId: UserID
    /// When the token was issued (whole milliseconds).
    public let issuedAt: Date
    /// When it stops working (whole milliseconds).
    public let expiresAt: Date

    /// A record of a newly issued token.
    public init(hash: String, sessionId: SessionID, userId: UserID, issuedAt: Date, expiresAt: Date) {
        self.hash = hash
        self.sessionId = sessionId
        self.userId = userId
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
    }
}

/// What presenting a refresh token did (``SessionStore/rotate(refreshTokenHash:nextHash:nextExpiresAt:now:)``).
public enum RefreshOutcome: Sendable, Hashable {
    /// The token was live: it is spent, and the next one continues its session. `spentIssuedAt` is when the
    /// spent token was issued, so the caller can refuse a session revoked after it (the revocation ends the
    /// session; a rotation that got in first must still not outlive it).
    case rotated(userId: UserID, sessionId: SessionID, spentIssuedAt: Date)
    /// The token was spent already: someone holds a copy. Its whole session is ended.
    case reused(userId: UserID, sessionId: SessionID)
    /// No such token, or it expired, or its session ended.
    case unknown
}
