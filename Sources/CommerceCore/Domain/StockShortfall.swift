/// One product an order asks more of than the catalog holds, as an ``CommerceError/Code/outOfStock`` error
/// lists it, so a cart can show what is left.
public struct StockShortfall: Sendable, Hashable {
    /// The product.
    public let productId: String
    /// How many units the order asks for, over all its lines of this product.
    public let requested: Int
    /// How many the catalog holds now.
    public let available: Int

    /// A shortfall of `productId`: `requested` asked, `available` held.
    public init(productId: String, requested: Int, available: Int) {
        self.productId = productId
        self.requested = requested
        self.available = available
    }
}
