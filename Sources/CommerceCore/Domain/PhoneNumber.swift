/// A phone number: an optional `+`, then 7–15 digits; spaces and dashes anywhere are ignored and dropped.
public struct PhoneNumber: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The normalised number, for example `+4915112345678`.
    public let value: String

    /// Validates and normalises `raw`, reporting a violation under `field`.
    public init(_ raw: String, field: String = "phone") throws(CommerceError) {
        var text = Substring(String(raw.unicodeScalars.filter { $0 != " " && $0 != "-" }))
        let plus = text.unicodeScalars.first == "+"
        if plus { text = text.dropFirst() }
        guard text.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) }), (7...15).contains(text.unicodeScalars.count)
        else {
            throw .validation(field: field, "must be 7–15 digits with an optional leading +")
        }
        value = (plus ? "+" : "") + text
    }

    /// Whether a submitted phone means "no phone": empty, or nothing but spaces.
    public static func isBlank(_ raw: String) -> Bool { raw.unicodeScalars.allSatisfy { $0 == " " } }

    /// Wraps a value that was validated before (read back from a store).
    public init(trusted value: String) { self.value = value }

    /// The normalised number.
    public var description: String { value }
}
