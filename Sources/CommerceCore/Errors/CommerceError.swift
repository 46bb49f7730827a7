/// The one error type of the domain.
///
/// Services, stores and peers throw `CommerceError`; only the transport edge maps it to a status code.
/// Match on ``code``; read ``fields`` for validation failures and ``retryAfter`` for rate limits and
/// unavailable peers.
///
/// ```swift
/// do { try await users.register(form) }
/// catch let error as CommerceError where error.code == .validation { print(error.fields) }
/// ```
public struct CommerceError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is. A closed set today, a struct so new codes are not source-breaking.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: String, Sendable, Hashable {
            case validation, notFound, conflict, idempotencyKeyReused, unauthenticated, forbidden
            case rateLimited, unavailable, internalFailure, preconditionFailed, unprocessable, priceChanged
            case outOfStock, insufficientStock
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// Input broke one or more rules; ``CommerceError/fields`` lists every one.
        public static let validation = Code(.validation)
        /// The thing asked for does not exist.
        public static let notFound = Code(.notFound)
        /// The request clashes with the current state (a taken email, a request still in flight).
        public static let conflict = Code(.conflict)
        /// An idempotency key was sent again with a different request.
        public static let idempotencyKeyReused = Code(.idempotencyKeyReused)
        /// The caller is not known: no, bad or expired credentials, or a user that no longer exists.
        public static let unauthenticated = Code(.unauthenticated)
        /// The caller is known but may not do this.
        public static let forbidden = Code(.forbidden)
        /// Too many attempts; ``CommerceError/retryAfter`` says when to try again.
        public static let rateLimited = Code(.rateLimited)
        /// A dependency (the other service, the database) is not answering; transient.
        public static let unavailable = Code(.unavailable)
        /// A bug or a broken invariant; the detail is for logs, never for clients.
        public static let internalFailure = Code(.internalFailure)
        /// The client's `If-Match` names a version the resource no longer has.
        public static let preconditionFailed = Code(.preconditionFailed)
        /// Well-formed, but naming what cannot be done (a product not in the catalog); ``CommerceError/fields``
        /// lists each.
        public static let unprocessable = Code(.unprocessable)
        /// A price the client showed is not the catalog's any more; ``CommerceError/prices`` lists the
        /// current ones.
        public static let priceChanged = Code(.priceChanged)
        /// The catalog holds fewer units than the order asks for; ``CommerceError/shortfalls`` lists every
        /// short product.
        public static let outOfStock = Code(.outOfStock)
        /// A change of a product's stock would take it below zero, or the product's stock is not tracked.
        public static let insufficientStock = Code(.insufficientStock)

        /// The code's name, `validation` for example.
        public var description: String { value.rawValue }
    }

    /// What kind of failure this is.
    public let code: Code
    /// A human-readable explanation, safe to show to the caller (never a secret, SQL or stack trace).
    public let message: String
    /// Every field at fault, for ``Code/validation``; empty otherwise.
    public let fields: [FieldViolation]
    /// How long the caller should wait before trying again, when known.
    public let retryAfter: Duration?
    /// Every line's current price, for ``Code/priceChanged``; empty otherwise.
    public let prices: [ItemPrice]
    /// Every product the order asks more of than the catalog holds, for ``Code/outOfStock``; empty otherwise.
    public let shortfalls: [StockShortfall]

    /// Creates an error; prefer the static constructors (`.validation`, `.notFound`, …).
    public init(
        code: Code, message: String, fields: [FieldViolation] = [], retryAfter: Duration? = nil,
        prices: [ItemPrice] = [], shortfalls: [StockShortfall] = []
    ) {
        self.code = code
        self.message = message
        self.fields = fields
        self.retryAfter = retryAfter
        self.prices = prices
        self.shortfalls = shortfalls
    }

    /// The order asks for more than the catalog holds; `shortfalls` names every short product.
    public static func outOfStock(_ shortfalls: [StockShortfall]) -> CommerceError {
        CommerceError(
            code: .outOfStock, message: "Some items are not in stock in the quantity asked for.",
            shortfalls: shortfalls)
    }

    /// The catalog's prices differ from what the client showed; `prices` are the current ones.
    public static func priceChanged(_ prices: [ItemPrice]) -> CommerceError {
        CommerceError(
            code: .priceChanged, message: "Prices changed since the cart was priced; see the current prices.",
            prices: prices)
    }

    /// The code, the message and the fields at fault.
    public var description: String {
        var text = "\(code): \(message)"
        if !fields.isEmpty {
            text += " [" + fields.map(\.description).joined(separator: "; ") + "]"
        }
        return text
    }

    /// Whether retrying the same call later may succeed (a peer or database that is down or busy).
    public var isTransient: Bool { code == .unavailable || code == .rateLimited }
}

extension CommerceError {
    /// A validation error listing every bad field.
    public static func validation(_ fields: [FieldViolation]) -> CommerceError {
        CommerceError(code: .validation, message: "The request has invalid fields.", fields: fields)
    }

    /// A validation error for one field.
    public static func validation(field: String, _ message: String) -> CommerceError {
        .validation([FieldViolation(field: field, message: message)])
    }

    /// The thing asked for does not exist.
    public static func notFound(_ message: String) -> CommerceError {
        CommerceError(code: .notFound, message: message)
    }

    /// The request clashes with the current state.
    public static func conflict(_ message: String) -> CommerceError {
        CommerceError(code: .conflict, message: message)
    }

    /// The `conflict` every ``UserStore`` throws for an email another user has, and the User service for
    /// a registration that names one: one message, whichever finds it first.
    public static var emailTaken: CommerceError { .conflict("A user with this email already exists.") }

    /// The `conflict` a ``UserStore`` throws for an id another user has.
    public static var userIdTaken: CommerceError { .conflict("A user with this id already exists.") }

    /// The caller is not known (no, bad or expired credentials).
    public static func unauthenticated(_ message: String = "Missing or invalid credentials.") -> CommerceError {
        CommerceError(code: .unauthenticated, message: message)
    }

    /// The caller may not do this.
    public static func forbidden(_ message: String = "You may not access this resource.") -> CommerceError {
        CommerceError(code: .forbidden, message: message)
    }

    /// A dependency is not answering; transient.
    public static func unavailable(_ message: String, retryAfter: Duration? = nil) -> CommerceError {
        CommerceError(code: .unavailable, message: message, retryAfter: retryAfter)
    }

    /// Too many attempts; try again after `retryAfter`.
    public static func rateLimited(_ message: String, retryAfter: Duration?) -> CommerceError {
        CommerceError(code: .rateLimited, message: message, retryAfter: retryAfter)
    }

    /// A bug or broken invariant; the message is for logs only.
    public static func internalFailure(_ message: String) -> CommerceError {
        CommerceError(code: .internalFailure, message: message)
    }
}
