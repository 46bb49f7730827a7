import CommerceCore
import Crypto
import Foundation

/// Builds JWTs by hand — any header, any claims, any key — to check that a verifier refuses what it must.
///
/// ```swift
/// let expired = ForgedToken.make(claims: ["exp": .number(now - 120)], secret: secret)
/// ```
public enum ForgedToken {
    /// A claim value.
    public enum Value: Sendable {
        /// A JSON string.
        case string(String)
        /// A JSON number (`exp`, `iat` and `nbf` are seconds since 1970).
        case number(Double)
        /// Leave the claim out.
        case absent
    }

    /// A token with `header` (raw JSON) and the default claims (a fresh `sub`, `iat` now, `exp` in 10
    /// minutes, `iss` and `aud` `swift-commerce`) overridden by `claims`, HS256-signed with `secret`.
    /// - Parameter now: the time `iat` and `exp` are counted from.
    public static func make(
        header: String = #"{"alg":"HS256","typ":"JWT"}"#, claims: [String: Value] = [:], secret: [UInt8],
        now: Date = Date()
    ) -> String {
        var payload: [String: Value] = [
            "sub": .string(UserID().description), "iat": .number(now.timeIntervalSince1970.rounded(.down)),
            "exp": .number(now.timeIntervalSince1970.rounded(.down) + 600), "iss": .string("swift-commerce"),
            "aud": .string("swift-commerce"),
        ]
        payload.merge(claims) { $1 }
        var object: [String: Any] = [:]
        for (name, value) in payload {
            switch value {
            case .string(let text): object[name] = text
            case .number(let number): object[name] = number
            case .absent: break
            }
        }
        let body = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        let input = base64URL(Data(header.utf8)) + "." + base64URL(body)
        let mac = HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: SymmetricKey(data: secret))
        return input + "." + base64URL(Data(mac))
    }

    /// An unsigned `alg: none` token for `sub`.
    public static func unsigned(sub: String, now: Date = Date()) -> String {
        let claims =
            #"{"sub":"\#(sub)","exp":\#(Int(now.timeIntervalSince1970) + 600),"iss":"swift-commerce","aud":"swift-commerce"}"#
        return base64URL(Data(#"{"alg":"none","typ":"JWT"}"#.utf8)) + "." + base64URL(Data(claims.utf8)) + "."
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
