/// An ISO 4217-style currency code: three upper-case ASCII letters. Defaults to `USD`.
public struct CurrencyCode: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The three letters.
    public let value: String

    /// US dollars, the default.
    public static let usd = CurrencyCode(trusted: "USD")

    /// Checks `raw`; `USD` when it is `nil`.
    public init(_ raw: String?, field: String = "currency") throws(CommerceError) {
        guard let raw else {
            self = .usd
            return
        }
        guard raw.unicodeScalars.count == 3, raw.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) }) else {
            throw .validation(field: field, "must be three upper-case letters, like USD")
        }
        value = raw
    }

    /// Wraps a value that was validated before (read back from a store).
    public init(trusted value: String) { self.value = value }

    /// The three letters.
    public var description: String { value }
}
