import CommerceSupport
import Crypto
import Foundation
import JWTKit

/// Issues and verifies the HS256 access tokens both services accept.
///
/// Verification reads a token strictly (``CompactToken``: one canonical spelling, unique header names, no
/// `crit`), pins the algorithm (a header saying anything but `HS256`, `none` included, is refused before
/// the signature is looked at), checks the signature, then checks `iss`, `aud`, `exp`, `iat` and `nbf`
/// against the injected clock with a small leeway for clock skew.
public struct TokenService: Sendable {
    /// How tokens are made and checked.
    public struct Configuration: Sendable {
        /// The HMAC key, shared by every service that verifies tokens.
        public var secret: SigningSecret
        /// The `iss` claim written and required.
        public var issuer: String
        /// The `aud` claim written and required.
        public var audience: String
        /// How long a token is valid.
        public var lifetime: Duration
        /// How long a token is valid when no lifetime is given: 15 minutes. Short, because an access token
        /// is honoured until it expires or its user's tokens are revoked; a session goes on by refreshing.
        public static let defaultLifetime: Duration = .seconds(900)
        /// Tolerated clock skew between issuer and verifier.
        public var leeway: Duration

        /// Tokens signed with `secret`, valid for `lifetime`, with `leeway` for clock skew between services.
        public init(
            secret: SigningSecret, issuer: String = "swift-commerce", audience: String = "swift-commerce",
            lifetime: Duration = Self.defaultLifetime, leeway: Duration = .seconds(60)
        ) {
            self.secret = secret
            self.issuer = issuer
            self.audience = audience
            self.lifetime = lifetime
            self.leeway = leeway
        }
    }

    /// A freshly issued token.
    public struct IssuedToken: Sendable, Hashable, CustomStringConvertible {
        /// The compact JWT. A credential: never log it.
        public let token: String
        /// How long the token is valid from now.
        public let expiresIn: Duration
        /// The user the token speaks for (its `sub`).
        public let userId: UserID

        /// Never the token itself.
        public var description: String { "IssuedToken(userId: \(userId), expiresIn: \(expiresIn), token: redacted)" }
    }

    /// The only algorithm issued or accepted.
    public static let algorithm = "HS256"

    private let configuration: Configuration
    private let keys: JWTKeyCollection
    private let clock: any CommerceClock
    /// Tokens that passed the signature and issuer checks, so a client sending the same token on every
    /// request pays for the HMAC and the JSON decoding once (the micro-benchmarks "Token verify, first time"
    /// and "Token verify, again" measure both). Keyed by the whole token; only the times are checked again,
    /// on every use.
    private let verified = TextMemo<VerifiedToken>(capacity: 10_000)

    /// Creates the service; `clock` decides what "now" is for `iat`, `exp` and verification.
    public init(configuration: Configuration, clock: any CommerceClock = SystemClock()) async {
        self.configuration = configuration
        self.clock = clock
        self.keys = await JWTKeyCollection().add(
            hmac: HMACKey(key: SymmetricKey(data: configuration.secret.bytes)), digestAlgorithm: .sha256)
    }

    /// Issues a token whose subject is `userId` with `role` (of `session`, when it belongs to one), valid
    /// for the configured lifetime from now.
    /// - Parameter notBefore: the earliest `iat` to write: a token issued by the change that voided the
    ///   user's older tokens must not fall before that change's mark, even on a clock that has not moved.
    public func issue(
        for userId: UserID, role: UserRole = .customer, session: SessionID? = nil, notBefore: Date? = nil
    ) async throws -> IssuedToken {
        // NumericDate claims in whole milliseconds (RFC 7519 allows fractions): revocation compares a
        // token's `iat` with a mark in milliseconds, and whole seconds would leave a second in which a token
        // issued after the mark looks older than it.
        let now = max(clock.now().roundedToMilliseconds, notBefore ?? .distantPast)
        let claims = AccessTokenClaims(
            sub: SubjectClaim(value: userId.description),
            iat: IssuedAtClaim(value: now),
            exp: ExpirationClaim(value: now.addingTimeInterval(configuration.lifetime.timeInterval)),
            iss: IssuerClaim(value: configuration.issuer),
            aud: AudienceClaim(value: configuration.audience),
            nbf: nil, role: role.rawValue, sid: session?.description)
        let token = try await keys.sign(claims)
        return IssuedToken(token: token, expiresIn: configuration.lifetime, userId: userId)
    }

    /// Who a token speaks for: its user, a customer or staff as its `role` claim says.
    /// - Throws: ``CommerceError/Code/unauthenticated`` for any token that is not one of ours and valid now.
    public func verify(_ token: String) async throws(CommerceError) -> Principal {
        try await check(token).principal
    }

    /// What a valid token says: who it speaks for, when it was issued, and its session.
    /// - Throws: ``CommerceError/Code/unauthenticated`` for any token that is not one of ours and valid now.
    public func access(_ token: String) async throws(CommerceError) -> VerifiedAccess {
        let checked = try await check(token)
        return VerifiedAccess(principal: checked.principal, issuedAt: checked.issuedAt, session: checked.session)
    }

    /// The session a valid token belongs to (`nil` for a token issued outside one).
    /// - Throws: ``CommerceError/Code/unauthenticated`` for any token that is not one of ours and valid now.
    public func session(of token: String) async throws(CommerceError) -> SessionID? {
        try await check(token).session
    }

    /// What a valid token says; its times checked on every use, the rest remembered.
    private func check(_ token: String) async throws(CommerceError) -> VerifiedToken {
        if let known = verified.value(for: token) { return try checkTimes(known) }
        // One canonical spelling, a header that cannot mean two things, and only our algorithm (RFC 8725).
        guard CompactToken.algorithm(of: token) == Self.algorithm else {
            throw .unauthenticated("The token is malformed or its algorithm is not accepted.")
        }
        let claims: AccessTokenClaims
        do {
            claims = try await keys.verify(token, as: AccessTokenClaims.self)
        } catch {
            throw .unauthenticated("The token is malformed or its signature is invalid.")
        }
        guard claims.iss.value == configuration.issuer, claims.aud.value.contains(configuration.audience) else {
            throw .unauthenticated("The token was not issued for this service.")
        }
        guard let userId = UserID(claims.sub.value) else {
            throw .unauthenticated("The token's subject is not a user id.")
        }
        // No role claim: a customer (tokens issued before roles existed). An unknown one: not ours.
        guard let role = UserRole(rawValue: claims.role ?? UserRole.customer.rawValue) else {
            throw .unauthenticated("The token's role is not known.")
        }
        let entry = VerifiedToken(
            principal: Principal(userId: userId, role: role), session: claims.sid.flatMap(SessionID.init),
            issuedAt: claims.iat.value.roundedToMilliseconds, notBefore: claims.nbf?.value, expiresAt: claims.exp.value)
        let checked = try checkTimes(entry)
        verified.remember(entry, for: token)
        return checked
    }

    /// What verification learned from a token, minus what must be checked at each use.
    private struct VerifiedToken: Sendable {
        let principal: Principal
        let session: SessionID?
        let issuedAt: Date
        let notBefore: Date?
        let expiresAt: Date
    }

    /// The token's user, if the token is valid now (with the leeway for clock skew).
    private func checkTimes(_ entry: VerifiedToken) throws(CommerceError) -> VerifiedToken {
        let now = clock.now()
        let leeway = configuration.leeway.timeInterval
        guard now.addingTimeInterval(-leeway) < entry.expiresAt else {
            throw .unauthenticated("The token has expired.")
        }
        guard entry.issuedAt <= now.addingTimeInterval(leeway),
            (entry.notBefore ?? .distantPast) <= now.addingTimeInterval(leeway)
        else { throw .unauthenticated("The token is not valid yet.") }
        return entry
    }
}

/// A verified access token: who it speaks for, when it was issued (what a revocation is judged by), and the
/// session it belongs to.
public struct VerifiedAccess: Sendable, Hashable {
    /// Who the token speaks for.
    public let principal: Principal
    /// The token's `iat`, in whole milliseconds.
    public let issuedAt: Date
    /// The session the token belongs to; `nil` for a token issued outside one.
    public let session: SessionID?

    /// What a store needs to refuse the token once its user voided it.
    public var callerToken: CallerToken? { principal.userId.map { CallerToken(userId: $0, issuedAt: issuedAt) } }
}
