import CommerceCore
import Foundation
import NIOSSL
import PostgresNIO

/// A `postgres://` (or `postgresql://`) URL as libpq reads it, made into a `PostgresClient` configuration:
/// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE?sslmode=MODE`.
///
/// `sslmode` follows libpq: `disable` (no TLS), `prefer` (the default: TLS when the server offers it, without
/// checking its certificate), `require` (TLS, certificate not checked), `verify-ca` (TLS, certificate checked
/// against the system's trust roots, host name not), `verify-full` (TLS, certificate and host name checked).
/// `allow` is treated as `prefer`. Percent-escapes in the user and password are decoded.
public struct PostgresConnectionURL: Sendable, CustomStringConvertible {
    /// The client configuration this URL describes.
    public let configuration: PostgresClient.Configuration
    /// The URL without its password, for logs.
    public let description: String

    /// Parses `text`.
    /// - Throws: ``CommerceError/Code/validation`` naming what is wrong (the password is never repeated).
    public init(_ text: String) throws(CommerceError) {
        guard let components = URLComponents(string: text),
            ["postgres", "postgresql"].contains(components.scheme?.lowercased() ?? "")
        else { throw Self.invalid("it is not a postgres:// URL") }
        guard let host = components.host, !host.isEmpty else { throw Self.invalid("it names no host") }
        guard let user = components.percentEncodedUser.flatMap({ $0.removingPercentEncoding }), !user.isEmpty else {
            throw Self.invalid("it names no user")
        }
        let password = components.percentEncodedPassword.flatMap { $0.removingPercentEncoding }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        let database = path.isEmpty ? nil : path.removingPercentEncoding
        let port = components.port ?? 5432
        guard (1...65_535).contains(port) else { throw Self.invalid("its port is out of range") }
        let mode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
        let tls: PostgresClient.Configuration.TLS
        switch mode {
        case "disable":
            tls = .disable
        case "allow", "prefer":
            var unchecked = TLSConfiguration.makeClientConfiguration()
            unchecked.certificateVerification = .none
            tls = .prefer(unchecked)
        case "require":
            var unchecked = TLSConfiguration.makeClientConfiguration()
            unchecked.certificateVerification = .none
            tls = .require(unchecked)
        case "verify-ca":
            var checked = TLSConfiguration.makeClientConfiguration()
            checked.certificateVerification = .noHostnameVerification
            tls = .require(checked)
        case "verify-full":
            tls = .require(.makeClientConfiguration())
        default:
            throw Self.invalid("sslmode must be disable, allow, prefer, require, verify-ca or verify-full")
        }
        configuration = PostgresClient.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: tls)
        description = "postgres://\(user)@\(host):\(port)/\(database ?? user)?sslmode=\(mode)"
    }

    private static func invalid(_ reason: String) -> CommerceError {
        CommerceError.validation([FieldViolation(field: "DATABASE_URL", message: "is not usable: \(reason)")])
    }
}
