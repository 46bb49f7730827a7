import Foundation

/// How a schema spells a column: the SQLite schemas use the domain's camelCase names (`userId`), the
/// PostgreSQL schemas snake_case (`user_id`). The durable stores name their columns once, here, and
/// spell them for their schema.
package enum ColumnNaming: Sendable {
    case camelCase, snakeCase

    /// `name` (camelCase) as this schema spells it.
    package func spell(_ name: String) -> String {
        switch self {
        case .camelCase:
            return name
        case .snakeCase:
            var spelled = ""
            for character in name {
                if character.isUppercase { spelled += "_" + character.lowercased() } else { spelled.append(character) }
            }
            return spelled
        }
    }

    /// The `names`, spelled, qualified with `table` when given, separated by commas: a select list.
    package func list(_ names: [String], table: String? = nil) -> String {
        names.map { name in table.map { "\($0).\(spell(name))" } ?? spell(name) }.joined(separator: ", ")
    }
}

/// A user as the durable stores keep it: one row of ``names``, timestamps as integer milliseconds, the
/// address as four nullable columns (no address when all four are null). Selecting ``names`` in this order
/// lets a store read the row by position.
package enum StoredUserRow {
    /// The columns, in the order ``record(id:username:email:phone:street:city:state:postalCode:passwordHash:createdAt:updatedAt:)`` takes them.
    package static let names = [
        "id", "username", "email", "phone", "street", "city", "state", "postalCode", "passwordHash", "createdAt",
        "updatedAt",
    ]

    /// The user and hash a row holds. The values were valid when stored, so they are trusted.
    package static func record(
        id: UserID, username: String, email: String, phone: String?, street: String?, city: String?,
        state: String?, postalCode: String?, passwordHash: String, createdAt: Int64, updatedAt: Int64
    ) -> UserRecord {
        let parts = [street, city, state, postalCode]
        let address =
            parts.allSatisfy { $0 == nil }
            ? nil : PostalAddress(street: street, city: city, state: state, postalCode: postalCode)
        let user = User(
            id: id, username: Username(trusted: username), email: EmailAddress(trusted: email),
            phone: phone.map(PhoneNumber.init(trusted:)), address: address,
            createdAt: Date(millisecondsSince1970: createdAt), updatedAt: Date(millisecondsSince1970: updatedAt))
        return UserRecord(user: user, passwordHash: passwordHash)
    }
}

/// An order as the durable stores keep it: one row of ``names``, the items as ``StoredOrderItems``' JSON,
/// money as integer minor units, timestamps as integer milliseconds.
package enum StoredOrderRow {
    /// The columns, in the order ``order(id:userId:items:deliveryAddress:status:currency:totalMinorUnits:createdAt:updatedAt:)`` takes them.
    package static let names = [
        "id", "userId", "items", "deliveryAddress", "status", "currency", "totalMinorUnits", "createdAt", "updatedAt",
    ]

    /// The order a row holds.
    /// - Throws: ``CommerceError/Code/internalFailure`` when the status or the items are not what a store writes.
    package static func order(
        id: OrderID, userId: UserID, items: String, deliveryAddress: String, status: String, currency: String,
        totalMinorUnits: Int64, createdAt: Int64, updatedAt: Int64
    ) throws(CommerceError) -> Order {
        guard let status = OrderStatus(rawValue: status) else {
            throw CommerceError.internalFailure("A stored order has an unknown status.")
        }
        return Order(
            id: id, userId: userId, items: try StoredOrderItems.decode(items), deliveryAddress: deliveryAddress,
            status: status, currency: CurrencyCode(trusted: currency), total: Money(minorUnits: totalMinorUnits),
            createdAt: Date(millisecondsSince1970: createdAt), updatedAt: Date(millisecondsSince1970: updatedAt))
    }
}
