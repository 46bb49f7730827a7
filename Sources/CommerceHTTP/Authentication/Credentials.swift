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

    /// The request's bearer token (``bearerToken(in:)``), if it sent one.
    static func bearerToken(_ request: Request) -> String? {
        request.headers.value(of: .authorization).flatMap(bearerToken(in:))
    }

    /// The token of an `Authorization` value: after spaces, the scheme `Bearer` in any letter case, a space,
    /// then the rest without spaces and tabs at either end; `nil` when the scheme is another or the token is
    /// empty. Read byte by byte: splitting the value into `Character`s and lower-casing its scheme was about
    /// 1.4 µs of every authenticated request (Documentation/PerformanceLog.md).
    static func bearerToken(in value: String) -> String? {
        let bytes = value.utf8
        guard let start = bytes.firstIndex(where: { $0 != UInt8(ascii: " ") }),
            let space = bytes[start...].firstIndex(of: UInt8(ascii: " ")),
            bytes[start..<space].elementsEqual("bearer".utf8, by: { $0 | 0x20 == $1 })
        else { return nil }
        let token = value[bytes.index(after: space)...].trimmingSpacesAndTabs
        return token.isEmpty ? nil : String(token)
    }
}
