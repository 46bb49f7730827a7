import Foundation
import JWTKit

/// The claims of an access token: `sub` (user id), `iat`, `exp`, `iss`, `aud`, and `nbf` when present.
/// Checking them is ``TokenService``'s job, against the injected clock, so `verify(using:)` does nothing.
struct AccessTokenClaims: JWTPayload {
    var sub: SubjectClaim
    var iat: IssuedAtClaim
    var exp: ExpirationClaim
    var iss: IssuerClaim
    var aud: AudienceClaim
    var nbf: NotBeforeClaim?
    /// The user's role when the token was issued (`customer` when absent): the Order service knows staff
    /// without asking the User service. A demotion takes effect when the token expires.
    var role: String?
    /// The session the token belongs to, so that logging out can name it.
    var sid: String?

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
