import Foundation

/// Prices an order from the catalog, inside the store's write: the products are read in the same
/// transaction (or snapshot) that stores the order, so the prices copied into it are the ones in force when
/// it was stored, and a later change of the catalog never alters it.
public struct CatalogPricing: Sendable, Hashable {
    /// One line as the client asked for it.
    public struct Line: Sendable, Hashable {
        /// The product.
        public let productId: String
        /// How many.
        public let quantity: Int
        /// The unit price the client's cart showed, when it sent one.
        public let requestedPrice: Money?

        /// A line of `quantity` of `productId`, showing `requestedPrice` in the client's cart.
        public init(productId: String, quantity: Int, requestedPrice: Money?) {
            self.productId = productId
            self.quantity = quantity
            self.requestedPrice = requestedPrice
        }
    }

    /// The lines, in the client's order.
    public let lines: [Line]
    /// The currency the client named, when it named one.
    public let requestedCurrency: CurrencyCode?

    /// Pricing of `lines`, in a currency the client named (or not).
    public init(lines: [Line], requestedCurrency: CurrencyCode?) {
        self.lines = lines
        self.requestedCurrency = requestedCurrency
    }

    /// The ids of the products to read.
    public var productIds: [String] { lines.map(\.productId) }

    /// `order` with each line's name and unit price, the currency and the total taken from `catalog` (the
    /// products read in the store's write, by id).
    /// - Throws: ``CommerceError/Code/unprocessable`` naming every line (`items[i].productId`) whose product
    ///   is unknown, inactive or priced in another currency than the order's first line;
    ///   ``CommerceError/Code/priceChanged`` with every line's current price when a price or the currency
    ///   the client named is not the catalog's.
    public func priced(_ order: Order, catalog: [String: Product]) throws(CommerceError) -> Order {
        var collector = ViolationCollector()
        var currency: CurrencyCode?
        for (index, line) in lines.enumerated() {
            let field = "items[\(index)].productId"
            guard let product = catalog[line.productId] else {
                collector.add(field, "is not in the catalog")
                continue
            }
            guard product.active else {
                collector.add(field, "is not available")
                continue
            }
            if let currency, product.currency != currency {
                collector.add(field, "is priced in \(product.currency); the order's first item in \(currency)")
            }
            currency = currency ?? product.currency
        }
        guard let currency, collector.isEmpty else {
            throw CommerceError(
                code: .unprocessable, message: "Some items cannot be ordered.", fields: collector.violations)
        }
        let current = lines.map {
            ItemPrice(productId: $0.productId, price: catalog[$0.productId]!.price, currency: currency)
        }
        let changed =
            zip(lines, current).contains { line, now in line.requestedPrice.map { $0 != now.price } ?? false }
            || requestedCurrency.map { $0 != currency } ?? false
        if changed {
            throw CommerceError.priceChanged(current)
        }
        var items: [OrderItem] = []
        var total = Money.zero
        for line in lines {
            let product = catalog[line.productId]!
            let item = OrderItem(
                productId: line.productId, name: product.name, quantity: line.quantity, unitPrice: product.price)
            total = try total.adding(item.lineTotal())
            items.append(item)
        }
        return Order(
            id: order.id, userId: order.userId, items: items, deliveryAddress: order.deliveryAddress,
            status: order.status, currency: currency, total: total, createdAt: order.createdAt,
            updatedAt: order.updatedAt, history: order.history, version: order.version)
    }
}

extension CatalogPricing {
    /// How many units of each tracked product the lines take (every line of a product summed), checked
    /// against `catalog`'s stock: what a store subtracts in the order's own transaction. Untracked products
    /// (`stock == nil`) and products not in `catalog` are left out (pricing refuses the latter).
    /// - Throws: ``CommerceError/Code/outOfStock`` naming every product asked for beyond its stock, in the
    ///   order of their first line.
    public func stockToTake(from catalog: [String: Product]) throws(CommerceError) -> [String: Int] {
        var take: [String: Int] = [:]
        var order: [String] = []
        for line in lines where catalog[line.productId]?.stock != nil {
            if take[line.productId] == nil { order.append(line.productId) }
            take[line.productId, default: 0] += line.quantity
        }
        let shortfalls = order.compactMap { id -> StockShortfall? in
            let available = catalog[id]!.stock!
            return take[id]! > available
                ? StockShortfall(productId: id, requested: take[id]!, available: available) : nil
        }
        guard shortfalls.isEmpty else { throw CommerceError.outOfStock(shortfalls) }
        return take
    }
}

/// One line's current price, as a ``CommerceError/Code/priceChanged`` error lists it.
public struct ItemPrice: Sendable, Hashable {
    /// The product.
    public let productId: String
    /// Its unit price now.
    public let price: Money
    /// The currency of ``price``.
    public let currency: CurrencyCode

    /// A line's price.
    public init(productId: String, price: Money, currency: CurrencyCode) {
        self.productId = productId
        self.price = price
        self.currency = currency
    }
}
