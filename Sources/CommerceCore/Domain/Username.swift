/// A display name: trimmed, 1–64 characters, no control characters.
public struct Username: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The trimmed name.
    public let value: String

    /// Validates and trims `raw`, reporting a violation under `field`.
    public init(_ raw: String?, field: String = "username") throws(CommerceError) {
        value = try TextRules.boundedText(raw, field: field, length: 1...64)
    }

    /// Wraps a value that was validated before (read back from a store).
    public init(trusted value: String) { self.value = value }

    /// The name.
    public var description: String { value }
}
