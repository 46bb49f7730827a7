import CommerceCore
import CommerceSupport
import Foundation

/// An order as the durable stores keep it: one row of ``names``, the items as ``StoredOrderItems``' JSON,
/// money as integer minor units, timestamps as integer milliseconds.
package enum StoredOrderRow {
    /// The columns, in the order ``order(id:userId:items:deliveryAddress:status:currency:totalMinorUnits:createdAt:updatedAt:history:version:)`` takes them.
    package static let names = [
        "id", "userId", "items", "deliveryAddress", "status", "currency", "totalMinorUnits", "createdAt", "updatedAt",
        "history", "version",
    ]

    /// The order a row holds.
    /// - Throws: ``CommerceError/Code/internalFailure`` when the status or the items are not what a store writes.
    package static func order(
        id: OrderID, userId: UserID, items: String, deliveryAddress: String, status: String, currency: String,
        totalMinorUnits: Int64, createdAt: Int64, updatedAt: Int64, history: String, version: Int
    ) throws(CommerceError) -> Order {
        try order(
            id: id, userId: userId, items: try StoredOrderItems.decode(items), deliveryAddress: deliveryAddress,
            status: status, currency: currency, totalMinorUnits: totalMinorUnits, createdAt: createdAt,
            updatedAt: updatedAt, history: try StoredOrderHistory.decode(history), version: version)
    }

    /// The order a row holds, its JSON columns decoded already.
    /// - Throws: ``CommerceError/Code/internalFailure`` when the status is not one a store writes.
    package static func order(
        id: OrderID, userId: UserID, items: [OrderItem], deliveryAddress: String, status: String, currency: String,
        totalMinorUnits: Int64, createdAt: Int64, updatedAt: Int64, history: [OrderHistoryEntry], version: Int
    ) throws(CommerceError) -> Order {
        guard let status = OrderStatus(rawValue: status) else {
            throw CommerceError.internalFailure("A stored order has an unknown status.")
        }
        return Order(
            id: id, userId: userId, items: items, deliveryAddress: deliveryAddress, status: status,
            currency: CurrencyCode(trusted: currency), total: Money(minorUnits: totalMinorUnits),
            createdAt: Date(millisecondsSince1970: createdAt), updatedAt: Date(millisecondsSince1970: updatedAt),
            history: history, version: version)
    }
}
