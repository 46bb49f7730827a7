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
/// decoded as `Decimal` so it is parsed exactly, never through `Double`. With catalog pricing, `name` is
/// ignored and `price` is optional: the price the client's cart showed, checked against the catalog's.
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

/// Where an order's names and prices come from.
public enum PricingMode: String, Sendable, Hashable, CaseIterable {
    /// From the shop's ``ProductCatalog``, at placement: the client names products and quantities.
    case catalog
    /// From the client, as the seed system took them: for compatibility only, never in production.
    case client
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
    /// With catalog pricing, what the store prices the order with; `nil` with client pricing, where
    /// ``items`` and ``total`` are final.
    public let catalogPricing: CatalogPricing?
    /// How the request was priced, for its fingerprint.
    private let mode: PricingMode
    /// The client's prices, line by line (catalog pricing; `nil` where it sent none).
    private let requestedPrices: [Money?]
    /// The client's currency, when it sent one (catalog pricing).
    private let requestedCurrency: CurrencyCode?

    /// Validates every field of the form, reporting all bad fields at once. With `.catalog` pricing the
    /// lines need only `productId` and `quantity`: ``items`` hold placeholders the store replaces with the
    /// catalog's names and prices (``catalogPricing``).
    public init(_ form: OrderForm, pricing: PricingMode = .client) throws(CommerceError) {
        var collector = ViolationCollector()
        var items: [OrderItem] = []
        if let forms = form.items {
            if !Self.itemCount.contains(forms.count) {
                collector.add("items", "must hold 1–100 items")
            }
            for (index, item) in forms.prefix(Self.itemCount.upperBound).enumerated() {
                if let line = Self.item(item, field: "items[\(index)]", pricing: pricing, into: &collector) {
                    items.append(line)
                }
            }
        } else {
            collector.add("items", "is required")
        }
        let address = collector.check { () throws(CommerceError) in
            try TextRules.boundedText(form.deliveryAddress, field: "deliveryAddress", length: 1...500)
        }
        let currency = collector.check { () throws(CommerceError) in try CurrencyCode(form.currency) }
        try collector.finish()

        mode = pricing
        self.items = items
        self.deliveryAddress = address!
        self.currency = currency!
        switch pricing {
        case .client:
            var total = Money.zero
            for item in items { total = try total.adding(item.lineTotal()) }
            self.total = total
            requestedPrices = []
            requestedCurrency = nil
            catalogPricing = nil
        case .catalog:
            total = .zero
            requestedPrices = (form.items ?? []).prefix(items.count).map { $0.price.flatMap(Money.init(exactly:)) }
            requestedCurrency = form.currency == nil ? nil : currency
            catalogPricing = CatalogPricing(
                lines: zip(items, requestedPrices).map {
                    CatalogPricing.Line(productId: $0.productId, quantity: $0.quantity, requestedPrice: $1)
                },
                requestedCurrency: requestedCurrency)
        }
    }

    /// A unit price: 0–1,000,000 with at most two decimal places.
    /// - Throws: `validation` naming `field`.
    static func price(_ raw: Decimal?, field: String) throws(CommerceError) -> Money {
        guard let raw else { throw .validation(field: field, "is required") }
        guard let money = Money(exactly: raw), money >= .zero, money <= maximumPrice else {
            throw .validation(field: field, "must be 0–1000000 with at most 2 decimal places")
        }
        return money
    }

    private static func item(
        _ form: OrderItemForm, field: String, pricing: PricingMode, into collector: inout ViolationCollector
    ) -> OrderItem? {
        let productId = collector.check { () throws(CommerceError) in
            try TextRules.boundedText(form.productId, field: "\(field).productId", length: 1...64)
        }
        // With catalog pricing a client's name is ignored, and its price is only what its cart showed.
        let name =
            pricing == .catalog
            ? ""
            : collector.check { () throws(CommerceError) in
                try TextRules.boundedText(form.name, field: "\(field).name", length: 1...200)
            }
        var quantity: Int?
        if let raw = form.quantity, Self.quantity.contains(raw) {
            quantity = raw
        } else {
            collector.add("\(field).quantity", form.quantity == nil ? "is required" : "must be 1–10000")
        }
        let price =
            pricing == .catalog && form.price == nil
            ? Money.zero
            : collector.check { () throws(CommerceError) in try Self.price(form.price, field: "\(field).price") }
        guard let productId, let name, let quantity, let price else { return nil }
        return OrderItem(productId: productId, name: name, quantity: quantity, unitPrice: price)
    }

    /// A stable digest of the request's content, used to tell a replay of an idempotent request from a
    /// different request that reuses its key.
    /// With catalog pricing it covers what the client sent (products, quantities, the prices and currency
    /// it named), never the catalog's answer, so a retry after a price change still replays its order.
    ///
    /// The text it hashes is written as bytes (``FingerprintText``): joined by string interpolation it was
    /// about half of the fingerprint's 2 µs, on every placement with a key (Documentation/PerformanceLog.md).
    public var fingerprint: String {
        var text = FingerprintText()
        switch mode {
        case .client:
            text.append("v1|")
            text.append(currency.value)
            text.append("|")
            text.appendCounted(deliveryAddress)
            for item in items {
                text.append("|")
                text.appendCounted(item.productId)
                text.append("|")
                text.appendCounted(item.name)
                text.append("|")
                text.append(item.quantity)
                text.append("|")
                text.append(item.unitPrice.minorUnits)
            }
        case .catalog:
            text.append("v2-catalog|")
            text.append(requestedCurrency?.value ?? "-")
            text.append("|")
            text.appendCounted(deliveryAddress)
            for (item, price) in zip(items, requestedPrices) {
                text.append("|")
                text.appendCounted(item.productId)
                text.append("|")
                text.append(item.quantity)
                text.append("|")
                if let price { text.append(price.minorUnits) } else { text.append("-") }
            }
        }
        return Digest.sha256Hex(text.bytes)
    }
}
