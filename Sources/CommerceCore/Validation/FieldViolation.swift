/// One input field that broke a rule: where (`items[2].price`) and why.
public struct FieldViolation: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The JSON path of the field, for example `email` or `items[0].quantity`.
    public let field: String
    /// Why the value was refused, in words a client developer can act on.
    public let message: String

    /// A violation of `field` (a JSON path) for the reason in `message`.
    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    /// `field: message`.
    public var description: String { "\(field): \(message)" }
}
