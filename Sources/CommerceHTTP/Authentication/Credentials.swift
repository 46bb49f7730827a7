import CommerceCore
import Foundation
import HTTPTypes
import Hummingbird

/// Turns a request's credentials into a ``Principal``: a bearer token, or the internal API key.
public struct Credentials: Sendable {
    private let tokens: TokenService
    private let apiKey: SigningSecret

    /// Checks bearer tokens with `tokens` and `x-api-key` against `apiKey`.
    public init(tokens: TokenService, apiKey: SigningSecret) {
        self.tokens = tokens
        self.apiKey = apiKey
    }

    /// A valid bearer token: its user, when it was issued, its session. Whether the token has been revoked
    /// since is not known here: pass its `CallerToken` to the service, which checks it in the same read as the rest
    /// (so there is no call that answers a bare `Principal` for a bearer token).
    /// - Throws: `unauthenticated` when there is no bearer token or it is not valid.
    public func access(_ request: Request) async throws -> VerifiedAccess {
        guard let token = Self.bearerToken(request) else {
            throw CommerceError.unauthenticated("A bearer token is required.")
        }
        return try await tokens.access(token)
    }

    /// The internal service, when the request carries the right API key.
    /// - Throws: `unauthenticated` when the key is missing or wrong (compared in constant time).
    public func internalService(_ request: Request) throws -> Principal {
        guard let key = request.headers.value(of: .apiKey), apiKey.constantTimeEquals(Array(key.utf8)) else {
            throw CommerceError.unauthenticated("A valid x-api-key is required.")
        }
        return .internalService
    }

    static func bearerToken(_ request: Request) -> String? {
        guard let value = request.headers.value(of: .authorization) else { return nil }
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingSpacesAndTabs
        return token.isEmpty ? nil : String(token)
    }
}
