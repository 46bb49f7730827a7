/// An ISO 4217-style currency code: three upper-case ASCII letters. Defaults to `USD`.
public struct CurrencyCode: Sendable, Hashable, Codable, CustomStringConvertible {
    public let value: String

    public static let usd = CurrencyCode(trusted: "USD")

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

    public var description: String { value }
}
