import Foundation

/// An order as a client submitted it, before validation. Fields the server owns (`id`, `userId`,
/// `status`, `total`, timestamps) have no place here, so a client cannot set them.
public struct OrderForm: Sendable, Hashable, Codable {
    /// The order lines, as submitted.
    public var items: [OrderItemForm]?
    /// Where to deliver, as submitted.
    public var deliveryAddress: String?
    /// The currency code, as submitted; `USD` when absent.
    public var currency: String?

    /// A form with the given fields.
    public init(items: [OrderItemForm]? = nil, deliveryAddress: String? = nil, currency: String? = nil) {
        self.items = items
        self.deliveryAddress = deliveryAddress
        self.currency = currency
    }
}

/// One order line as a client submitted it. `price` is a decimal number of major units (`12.34`),
/// decoded as `Decimal` so it is parsed exactly, never through `Double`.
public struct OrderItemForm: Sendable, Hashable, Codable {
    /// The product's id in the caller's catalogue, as submitted.
    public var productId: String?
    /// The product's name, as submitted.
    public var name: String?
    /// How many, as submitted.
    public var quantity: Int?
    /// The unit price in major units, as submitted.
    public var price: Decimal?

    /// A line with the given fields.
    public init(productId: String? = nil, name: String? = nil, quantity: Int? = nil, price: Decimal? = nil) {
        self.productId = productId
        self.name = name
        self.quantity = quantity
        self.price = price
    }
}

/// A validated order request: what ``OrderService`` turns into an ``Order``.
public struct OrderDraft: Sendable, Hashable {
    /// How many lines an order may have.
    public static let itemCount = 1...100
    /// How many of one product a line may order.
    public static let quantity = 1...10_000
    /// The highest unit price: 1,000,000.00.
    public static let maximumPrice = Money(minorUnits: 1_000_000 * Money.minorUnitsPerMajor)

    /// The checked order lines.
    public let items: [OrderItem]
    /// The trimmed delivery address.
    public let deliveryAddress: String
    /// The currency of every price.
    public let currency: CurrencyCode
    /// The sum of the lines, computed exactly.
    public let total: Money

    /// Validates every field of the form, reporting all bad fields at once.
    public init(_ form: OrderForm) throws(CommerceError) {
        var collector = ViolationCollector()
        var items: [OrderItem] = []
        if let forms = form.items {
            if !Self.itemCount.contains(forms.count) {
                collector.add("items", "must hold 1–100 items")
            }
            for (index, item) in forms.prefix(Self.itemCount.upperBound).enumerated() {
                if let line = Self.item(item, field: "items[\(index)]", into: &collector) { items.append(line) }
            }
        } else {
            collector.add("items", "is required")
        }
        let address = collector.check { () throws(CommerceError) in
            try TextRules.boundedText(form.deliveryAddress, field: "deliveryAddress", length: 1...500)
        }
        let currency = collector.check { () throws(CommerceError) in try CurrencyCode(form.currency) }
        try collector.finish()

        var total = Money.zero
        for item in items { total = try total.adding(item.lineTotal()) }
        self.items = items
        self.deliveryAddress = address!
        self.currency = currency!
        self.total = total
    }

    private static func item(
        _ form: OrderItemForm, field: String, into collector: inout ViolationCollector
    ) -> OrderItem? {
        let productId = collector.check { () throws(CommerceError) in
            try TextRules.boundedText(form.productId, field: "\(field).productId", length: 1...64)
        }
        let name = collector.check { () throws(CommerceError) in
            try TextRules.boundedText(form.name, field: "\(field).name", length: 1...200)
        }
        var quantity: Int?
        if let raw = form.quantity, Self.quantity.contains(raw) {
            quantity = raw
        } else {
            collector.add("\(field).quantity", form.quantity == nil ? "is required" : "must be 1–10000")
        }
        var price: Money?
        if let raw = form.price {
            if let money = Money(exactly: raw), money >= .zero, money <= maximumPrice {
                price = money
            } else {
                collector.add("\(field).price", "must be 0–1000000 with at most 2 decimal places")
            }
        } else {
            collector.add("\(field).price", "is required")
        }
        guard let productId, let name, let quantity, let price else { return nil }
        return OrderItem(productId: productId, name: name, quantity: quantity, unitPrice: price)
    }

    /// A stable digest of the request's content, used to tell a replay of an idempotent request from a
    /// different request that reuses its key.
    public var fingerprint: String {
        var text = "v1|\(currency.value)|\(deliveryAddress.count):\(deliveryAddress)"
        for item in items {
            text += "|\(item.productId.count):\(item.productId)|\(item.name.count):\(item.name)"
            text += "|\(item.quantity)|\(item.unitPrice.minorUnits)"
        }
        return Digest.sha256Hex(text)
    }
}
