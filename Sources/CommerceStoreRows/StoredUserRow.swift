import CommerceCore
import CommerceSupport
import Foundation

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
