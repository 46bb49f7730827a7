import Foundation

/// A registered user as everyone outside the store sees it. It never carries the password hash.
public struct User: Sendable, Hashable, Codable {
    /// The server-assigned id.
    public let id: UserID
    /// The display name.
    public var username: Username
    /// The normalised, unique email.
    public var email: EmailAddress
    /// The normalised phone number, if given.
    public var phone: PhoneNumber?
    /// The postal address, if given.
    public var address: PostalAddress?
    /// What the user may do: `customer` unless the operator made them `staff`.
    public var role: UserRole
    /// When the user registered (whole milliseconds).
    public let createdAt: Date
    /// When the user last changed (whole milliseconds).
    public var updatedAt: Date

    /// A user as a store holds it.
    public init(
        id: UserID, username: Username, email: EmailAddress, phone: PhoneNumber? = nil,
        address: PostalAddress? = nil, role: UserRole = .customer, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.username = username
        self.email = email
        self.phone = phone
        self.address = address
        self.role = role
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// What a ``UserStore`` keeps for a user: the public ``User`` and its password hash.
public struct UserRecord: Sendable, Hashable {
    /// The user as everyone else sees it.
    public var user: User
    /// The hasher's output (for bcrypt, the `$2b$…` string). Never logged, never returned by an API.
    public var passwordHash: String
    /// Access tokens of this user issued before this time are void (log out everywhere, a password change
    /// or reset); `nil` when none was ever voided.
    public var tokensVoidBefore: Date?

    /// A user with its password hash.
    public init(user: User, passwordHash: String, tokensVoidBefore: Date? = nil) {
        self.user = user
        self.passwordHash = passwordHash
        self.tokensVoidBefore = tokensVoidBefore
    }

    /// Whether an access token of this user issued at `issuedAt` has been voided since.
    public func voids(tokenIssuedAt issuedAt: Date) -> Bool {
        tokensVoidBefore.map { issuedAt < $0 } ?? false
    }
}

extension UserRecord: CustomStringConvertible {
    /// Never the password hash.
    public var description: String { "UserRecord(id: \(user.id), email: \(user.email), passwordHash: redacted)" }
}
