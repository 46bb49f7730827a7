/// A password as the user typed it: 8–128 characters (Unicode code points), checked, never trimmed.
///
/// bcrypt reads at most 72 bytes; a 128-character password can be far longer in UTF-8. Rather than
/// refusing long passwords or letting bcrypt silently ignore their tail, `BcryptPasswordHasher` (CommerceBcrypt)
/// pre-hashes (SHA-256, base64) so every character counts. Its `description` never shows the text.
public struct Password: Sendable, Hashable, CustomStringConvertible {
    /// The clear text. Read it only to hash or verify it.
    public let clearText: String

    /// Checks `raw`'s length, reporting a violation under `field`; never trims.
    public init(_ raw: String?, field: String = "password") throws(CommerceError) {
        guard let raw else { throw .validation(field: field, "is required") }
        guard (8...128).contains(TextRules.length(raw)) else {
            throw .validation(field: field, "must be 8–128 characters")
        }
        clearText = raw
    }

    /// Never the password.
    public var description: String { "Password(redacted)" }
}
