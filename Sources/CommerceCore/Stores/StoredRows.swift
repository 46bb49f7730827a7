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
    /// The columns, in the order ``record(id:username:email:phone:street:city:state:postalCode:passwordHash:createdAt:updatedAt:role:tokensVoidBefore:)`` takes them.
    package static let names = [
        "id", "username", "email", "phone", "street", "city", "state", "postalCode", "passwordHash", "createdAt",
        "updatedAt", "role", "tokensVoidBefore",
    ]

    /// The user and hash a row holds. The values were valid when stored, so they are trusted.
    package static func record(
        id: UserID, username: String, email: String, phone: String?, street: String?, city: String?,
        state: String?, postalCode: String?, passwordHash: String, createdAt: Int64, updatedAt: Int64, role: String,
        tokensVoidBefore: Int64?
    ) throws(CommerceError) -> UserRecord {
        guard let role = UserRole(rawValue: role) else {
            throw CommerceError.internalFailure("A stored user has an unknown role.")
        }
        let parts = [street, city, state, postalCode]
        let address =
            parts.allSatisfy { $0 == nil }
            ? nil : PostalAddress(street: street, city: city, state: state, postalCode: postalCode)
        let user = User(
            id: id, username: Username(trusted: username), email: EmailAddress(trusted: email),
            phone: phone.map(PhoneNumber.init(trusted:)), address: address, role: role,
            createdAt: Date(millisecondsSince1970: createdAt), updatedAt: Date(millisecondsSince1970: updatedAt))
        return UserRecord(
            user: user, passwordHash: passwordHash,
            tokensVoidBefore: tokensVoidBefore.map(Date.init(millisecondsSince1970:)))
    }
}

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

/// How a durable store keeps an order's history: one JSON text, an array of `{status, at, by, reason?}`
/// with `at` in integer milliseconds. Its own shape, like ``StoredOrderItems``.
package enum StoredOrderHistory {
    private struct Entry: Decodable {
        var status: String
        var at: Int64
        var by: String
        var reason: String?
    }

    /// Decoded histories by their text: a pure function of it, so a remembered answer is always right.
    private static let decoded = RecentlyComputed<[OrderHistoryEntry]>(capacity: 4096)

    /// The history as the stored JSON text: `[{"status", "at", "by", "reason"?}]`, written by ``JSONWriter``
    /// (`JSONEncoder` was 2 % of a placement).
    package static func encode(_ history: [OrderHistoryEntry]) -> String {
        var writer = JSONWriter(capacity: 2 + 64 * history.count)
        writer.beginArray()
        for entry in history {
            writer.beginObject()
            writer.member("status", entry.status.rawValue)
            writer.member("at", Int(entry.at.millisecondsSince1970))
            writer.member("by", entry.by.rawValue)
            writer.member("reason", entry.reason)
            writer.endObject()
        }
        writer.endArray()
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// The history in stored JSON text.
    /// - Throws: ``CommerceError/Code/internalFailure`` when the text is not what ``encode(_:)`` writes.
    package static func decode(_ text: String) throws(CommerceError) -> [OrderHistoryEntry] {
        try decoded.value(for: text) { () throws(CommerceError) in try decodeAnew(text) }
    }

    /// ``decode(_:)`` of the text's UTF-8 bytes, as a database row holds them.
    package static func decode(utf8: UnsafeBufferPointer<UInt8>) throws(CommerceError) -> [OrderHistoryEntry] {
        try decoded.value(forUTF8: utf8) { text throws(CommerceError) in try decodeAnew(text) }
    }

    private static func decodeAnew(_ text: String) throws(CommerceError) -> [OrderHistoryEntry] {
        let malformed = CommerceError.internalFailure("A stored order's history is malformed.")
        guard let entries = try? JSONDecoder().decode([Entry].self, from: Data(text.utf8)) else { throw malformed }
        return try entries.map { entry throws(CommerceError) in
            guard let status = OrderStatus(rawValue: entry.status), let by = OrderActor(rawValue: entry.by) else {
                throw malformed
            }
            return OrderHistoryEntry(
                status: status, at: Date(millisecondsSince1970: entry.at), by: by, reason: entry.reason)
        }
    }
}

/// How a durable store keeps an outbox event's ``OutboxEvent/Kind``: a `kind` name and, for a kind that
/// carries data, a JSON `payload` (`{"issuedBefore": milliseconds}` for a revocation, `{"email": …}` for a
/// reset request). Rows written before kinds existed are deletions.
package enum StoredOutboxKind {
    private struct Revocation: Codable {
        var issuedBefore: Int64
    }

    private struct ResetRequest: Codable {
        var email: String
    }

    private static func json(_ value: some Encodable) -> String? {
        (try? JSONEncoder().encode(value)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The `kind` and `payload` columns of `kind`.
    package static func columns(_ kind: OutboxEvent.Kind) -> (kind: String, payload: String?) {
        switch kind {
        case .userDeleted:
            return ("userDeleted", nil)
        case .tokensRevoked(let issuedBefore):
            return ("tokensRevoked", json(Revocation(issuedBefore: issuedBefore.millisecondsSince1970)))
        case .passwordResetRequested(let email):
            return ("passwordResetRequested", json(ResetRequest(email: email.value)))
        }
    }

    /// The kind a row's `kind` and `payload` columns hold.
    /// - Throws: ``CommerceError/Code/internalFailure`` for a kind or payload this version does not write.
    package static func kind(_ name: String, payload: String?) throws(CommerceError) -> OutboxEvent.Kind {
        switch name {
        case "userDeleted":
            return .userDeleted
        case "tokensRevoked":
            guard let payload,
                let revocation = try? JSONDecoder().decode(Revocation.self, from: Data(payload.utf8))
            else { break }
            return .tokensRevoked(issuedBefore: Date(millisecondsSince1970: revocation.issuedBefore))
        case "passwordResetRequested":
            guard let payload, let request = try? JSONDecoder().decode(ResetRequest.self, from: Data(payload.utf8))
            else { break }
            return .passwordResetRequested(email: EmailAddress(trusted: request.email))
        default:
            break
        }
        throw CommerceError.internalFailure("A stored outbox event has an unknown kind or a malformed payload.")
    }
}
