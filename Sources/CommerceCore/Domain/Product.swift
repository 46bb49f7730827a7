import Foundation

/// A product the shop sells, as its catalog holds it: what placement copies into an order line.
public struct Product: Sendable, Hashable {
    /// The shop's id for it (1–64 characters), as in an order line's `productId`.
    public let id: String
    /// What an order line calls it.
    public var name: String
    /// The unit price.
    public var price: Money
    /// The currency of ``price``.
    public var currency: CurrencyCode
    /// Whether it can be ordered now.
    public var active: Bool
    /// When it last changed (whole milliseconds).
    public var updatedAt: Date
    /// How many units the shop holds (never below zero), or `nil`: not tracked, as many as are ordered.
    public var stock: Int?

    /// The most units one product's stock may hold.
    public static let maximumStock = 1_000_000_000

    /// A product as a catalog holds it; its stock untracked unless given.
    public init(
        id: String, name: String, price: Money, currency: CurrencyCode, active: Bool, updatedAt: Date,
        stock: Int? = nil
    ) {
        self.id = id
        self.name = name
        self.price = price
        self.currency = currency
        self.active = active
        self.updatedAt = updatedAt
        self.stock = stock
    }

    /// Checks a catalog id: 1–64 letters, digits, `.`, `_`, `~` or `-` — what a URL path holds as it is,
    /// so a product's path and its place in a page's `after` need no escaping — and not `.` or `..`: those
    /// are dot-segments (RFC 3986, 5.2.4), which every URL normaliser (curl's, Python's, a proxy's) removes
    /// before a request is sent, so no client could reach the product again.
    /// - Throws: `validation` naming `productId`.
    public static func checkedID(_ raw: String) throws(CommerceError) -> String {
        let allowed = raw.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || Array("._~-".utf8).contains(byte)
        }
        guard (1...64).contains(raw.utf8.count), allowed else {
            throw .validation(field: "productId", "must be 1–64 letters, digits, '.', '_', '~' or '-'")
        }
        guard raw != ".", raw != ".." else {
            throw .validation(field: "productId", "must not be '.' or '..', which URL normalisers rewrite away")
        }
        return raw
    }
}

/// A product as staff submitted it (`PUT /api/product/{productId}`), before validation. `price` is decoded
/// as `Decimal`, so it is parsed exactly.
public struct ProductForm: Sendable, Hashable, Codable {
    /// The name, as submitted.
    public var name: String?
    /// The unit price in major units, as submitted.
    public var price: Decimal?
    /// The currency code, as submitted; `USD` when absent.
    public var currency: String?
    /// Whether it can be ordered; `true` when absent.
    public var active: Bool?
    /// How many units the shop holds; not tracked when absent.
    public var stock: Int?

    /// A form with the given fields.
    public init(
        name: String? = nil, price: Decimal? = nil, currency: String? = nil, active: Bool? = nil, stock: Int? = nil
    ) {
        self.name = name
        self.price = price
        self.currency = currency
        self.active = active
        self.stock = stock
    }
}

extension Product {
    /// The product `form` describes, every bad field reported at once: a name of 1–200 characters, a price
    /// of 0–1,000,000 with at most two decimal places, a currency code.
    public init(id: String, form: ProductForm, updatedAt: Date) throws(CommerceError) {
        var collector = ViolationCollector()
        let id = collector.check { () throws(CommerceError) in try Product.checkedID(id) }
        let name = collector.check { () throws(CommerceError) in
            try TextRules.boundedText(form.name, field: "name", length: 1...200)
        }
        let price = collector.check { () throws(CommerceError) in try OrderDraft.price(form.price, field: "price") }
        let currency = collector.check { () throws(CommerceError) in try CurrencyCode(form.currency) }
        if let stock = form.stock, !(0...Product.maximumStock).contains(stock) {
            collector.add("stock", "must be a whole number from 0 to \(Product.maximumStock), or absent (not tracked)")
        }
        try collector.finish()
        self.init(
            id: id!, name: name!, price: price!, currency: currency!, active: form.active ?? true,
            updatedAt: updatedAt, stock: form.stock)
    }
}
