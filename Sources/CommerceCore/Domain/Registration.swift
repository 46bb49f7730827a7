/// A registration as a client submitted it, before validation. Every field is optional so that a
/// missing one is reported with the others instead of failing the decoding.
public struct RegistrationForm: Sendable, Hashable, Codable {
    /// The display name, as submitted.
    public var username: String?
    /// The email address, as submitted.
    public var email: String?
    /// The password, as submitted.
    public var password: String?
    /// The phone number, as submitted; empty or blank means none.
    public var phone: String?
    /// The postal address, as submitted.
    public var address: AddressForm?

    /// A form with the given fields.
    public init(
        username: String? = nil, email: String? = nil, password: String? = nil, phone: String? = nil,
        address: AddressForm? = nil
    ) {
        self.username = username
        self.email = email
        self.password = password
        self.phone = phone
        self.address = address
    }
}

extension RegistrationForm: CustomStringConvertible {
    /// The username and email only: never the password.
    public var description: String { "RegistrationForm(username: \(username ?? "nil"), email: \(email ?? "nil"))" }
}

/// A validated registration: every field checked and normalised.
public struct Registration: Sendable, Hashable {
    /// The checked display name.
    public let username: Username
    /// The normalised email address.
    public let email: EmailAddress
    /// The checked password, still clear text until hashed.
    public let password: Password
    /// The normalised phone number, if one was given.
    public let phone: PhoneNumber?
    /// The address, if any part of it was given.
    public let address: PostalAddress?

    /// Validates every field of the form; throws one ``CommerceError/Code/validation`` error listing all
    /// bad fields.
    public init(_ form: RegistrationForm) throws(CommerceError) {
        var collector = ViolationCollector()
        let username = collector.check { () throws(CommerceError) in try Username(form.username) }
        let email = collector.check { () throws(CommerceError) in try EmailAddress(form.email) }
        let password = collector.check { () throws(CommerceError) in try Password(form.password) }
        let phone = collector.check { () throws(CommerceError) in
            try form.phone.flatMap { raw throws(CommerceError) in
                PhoneNumber.isBlank(raw) ? nil : try PhoneNumber(raw)
            }
        }
        let address = collector.check { () throws(CommerceError) in
            try form.address.map { form throws(CommerceError) in try PostalAddress(form) }.flatMap {
                $0.isEmpty ? nil : $0
            }
        }
        try collector.finish()
        // The collector returned a value for every field, or finish() threw.
        self.username = username!
        self.email = email!
        self.password = password!
        self.phone = phone ?? nil
        self.address = address ?? nil
    }
}
