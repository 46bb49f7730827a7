/// A shared secret of at least 32 bytes (HMAC-SHA-256 needs a key as long as its output). It never
/// prints: `description` is redacted, so it cannot leak through string interpolation into a log.
public struct SigningSecret: Sendable, Hashable, CustomStringConvertible {
    /// The shortest secret accepted: 32 bytes, HS256's key size.
    public static let minimumByteCount = 32

    /// The secret's bytes. Read them only to sign or compare.
    public let bytes: [UInt8]

    /// - Throws: ``CommerceError/Code/validation`` on the `field` when the secret is shorter than 32 bytes.
    public init(_ text: String, field: String = "JWT_SECRET") throws(CommerceError) {
        try self.init(bytes: Array(text.utf8), field: field)
    }

    /// Wraps raw key bytes; `field` names the setting in the error when there are fewer than ``minimumByteCount``.
    public init(bytes: [UInt8], field: String = "JWT_SECRET") throws(CommerceError) {
        guard bytes.count >= Self.minimumByteCount else {
            throw .validation(field: field, "must be at least \(Self.minimumByteCount) bytes")
        }
        self.bytes = bytes
    }

    /// Compares with another secret in time that does not depend on where they differ.
    public func constantTimeEquals(_ other: [UInt8]) -> Bool {
        guard other.count == bytes.count else { return false }
        var difference: UInt8 = 0
        for (lhs, rhs) in zip(bytes, other) { difference |= lhs ^ rhs }
        return difference == 0
    }

    /// Never the secret itself.
    public var description: String { "SigningSecret(redacted)" }
}
