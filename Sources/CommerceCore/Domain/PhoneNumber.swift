/// A phone number: 7–15 digits with an optional leading `+`; spaces and dashes are ignored and dropped.
public struct PhoneNumber: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The normalised number, for example `+4915112345678`.
    public let value: String

    public init(_ raw: String, field: String = "phone") throws(CommerceError) {
        var text = Substring(TextRules.trimmed(raw).filter { $0 != " " && $0 != "-" })
        let plus = text.first == "+"
        if plus { text = text.dropFirst() }
        guard text.allSatisfy(\.isASCIIDigit), (7...15).contains(text.count) else {
            throw .validation(field: field, "must be 7–15 digits with an optional leading +")
        }
        value = (plus ? "+" : "") + text
    }

    /// Wraps a value that was validated before (read back from a store).
    public init(trusted value: String) { self.value = value }

    public var description: String { value }
}
