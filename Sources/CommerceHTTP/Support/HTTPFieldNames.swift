import HTTPTypes

extension HTTPField.Name {
    /// The internal API key header.
    public static let apiKey = HTTPField.Name("x-api-key")!
    /// The client's idempotency key for order placement.
    public static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    /// RFC 8288 web links (`rel="next"` on order pages).
    public static let link = HTTPField.Name("Link")!
    /// Marks a replayed idempotent answer.
    public static let idempotentReplayed = HTTPField.Name("Idempotent-Replayed")!
    /// The id that follows a request through both services' logs.
    public static let requestID = HTTPField.Name("x-request-id")!
}
