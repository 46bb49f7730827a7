/// An email address, normalised (trimmed, lower-cased) and checked: at most 254 characters, exactly one `@`,
/// a local part of 1–64 characters, a dotted domain, no white space or control characters.
///
/// Two spellings of one address (`Ann@Example.com `, `ann@example.com`) are the same `EmailAddress`.
public struct EmailAddress: Sendable, Hashable, Codable, CustomStringConvertible {
    public let value: String

    public init(_ raw: String?, field: String = "email") throws(CommerceError) {
        guard let raw else { throw .validation(field: field, "is required") }
        let text = TextRules.trimmed(raw).lowercased()
        func fail(_ message: String) -> CommerceError { .validation(field: field, message) }
        guard !text.isEmpty else { throw fail("must not be empty") }
        guard text.count <= 254 else { throw fail("must be at most 254 characters") }
        guard !text.contains(where: \.isWhitespace), !TextRules.hasControlCharacter(text) else {
            throw fail("must not contain white space or control characters")
        }
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw fail("must contain exactly one @") }
        let (local, domain) = (parts[0], parts[1])
        guard (1...64).contains(local.count) else { throw fail("must have 1–64 characters before the @") }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty }) else {
            throw fail("must have a dotted domain after the @, like example.com")
        }
        value = text
    }

    /// Wraps a value that was validated before (read back from a store).
    public init(trusted value: String) { self.value = value }

    public var description: String { value }
}
