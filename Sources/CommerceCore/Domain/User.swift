import Foundation

/// A registered user as everyone outside the store sees it. It never carries the password hash.
public struct User: Sendable, Hashable, Codable {
    public let id: UserID
    public var username: Username
    public var email: EmailAddress
    public var phone: PhoneNumber?
    public var address: PostalAddress?
    public let createdAt: Date
    public var updatedAt: Date

    public init(
        id: UserID, username: Username, email: EmailAddress, phone: PhoneNumber? = nil,
        address: PostalAddress? = nil, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.username = username
        self.email = email
        self.phone = phone
        self.address = address
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// What a ``UserStore`` keeps for a user: the public ``User`` and its password hash.
public struct UserRecord: Sendable, Hashable {
    public var user: User
    /// The hasher's output (for bcrypt, the `$2b$…` string). Never logged, never returned by an API.
    public var passwordHash: String

    public init(user: User, passwordHash: String) {
        self.user = user
        self.passwordHash = passwordHash
    }
}

extension UserRecord: CustomStringConvertible {
    public var description: String { "UserRecord(id: \(user.id), email: \(user.email), passwordHash: redacted)" }
}
