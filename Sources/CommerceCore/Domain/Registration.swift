/// A registration as a client submitted it, before validation. Every field is optional so that a
/// missing one is reported with the others instead of failing the decoding.
public struct RegistrationForm: Sendable, Hashable, Codable {
    public var username: String?
    public var email: String?
    public var password: String?
    public var phone: String?
    public var address: AddressForm?

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
    public var description: String { "RegistrationForm(username: \(username ?? "nil"), email: \(email ?? "nil"))" }
}

/// A validated registration: every field checked and normalised.
public struct Registration: Sendable, Hashable {
    public let username: Username
    public let email: EmailAddress
    public let password: Password
    public let phone: PhoneNumber?
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
            try form.address.map { form throws(CommerceError) in try PostalAddress(form) }.flatMap { $0.isEmpty ? nil : $0 }
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
