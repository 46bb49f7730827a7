import Foundation

/// An email address, normalised (trimmed, lower-cased, in Unicode's composed form NFC) and checked: at most 254 characters as sent, no
/// control characters, and once trimmed no spaces, exactly one `@`, a local part of 1–64 characters and a
/// dotted domain. Characters are Unicode code points, as in JSON Schema.
///
/// Two spellings of one address (`Ann@Example.com `, `ann@example.com`, `josé@…` with its `é` as one code
/// point or as `e` and a combining accent) are the same `EmailAddress`, to the byte: stores compare emails
/// as bytes, so two forms of one address must never make two accounts.
public struct EmailAddress: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The normalised address.
    public let value: String

    /// Validates and normalises `raw`, reporting a violation under `field`.
    public init(_ raw: String?, field: String = "email") throws(CommerceError) {
        guard let raw else { throw .validation(field: field, "is required") }
        func fail(_ message: String) -> CommerceError { .validation(field: field, message) }
        guard TextRules.length(raw) <= 254 else { throw fail("must be at most 254 characters") }
        let text = TextRules.trimmed(raw)
        guard !text.isEmpty else { throw fail("must not be empty") }
        guard !text.unicodeScalars.contains(where: { TextRules.isSpace($0) || TextRules.isControl($0) }) else {
            throw fail("must not contain white space or control characters")
        }
        let parts = text.unicodeScalars.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw fail("must contain exactly one @") }
        let (local, domain) = (parts[0], parts[1])
        guard (1...64).contains(local.count) else { throw fail("must have 1–64 characters before the @") }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty }) else {
            throw fail("must have a dotted domain after the @, like example.com")
        }
        value = text.lowercased().precomposedStringWithCanonicalMapping
    }

    /// Wraps a value that was validated before (read back from a store).
    public init(trusted value: String) { self.value = value }

    /// The normalised address.
    public var description: String { value }
}
