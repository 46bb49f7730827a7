/// A postal address; every part optional, trimmed, at most 200 characters.
public struct PostalAddress: Sendable, Hashable, Codable {
    public var street: String?
    public var city: String?
    public var state: String?
    public var postalCode: String?

    public init(street: String? = nil, city: String? = nil, state: String? = nil, postalCode: String? = nil) {
        self.street = street
        self.city = city
        self.state = state
        self.postalCode = postalCode
    }

    /// Whether no part is set.
    public var isEmpty: Bool { street == nil && city == nil && state == nil && postalCode == nil }

    /// Validates every part of a submitted address, reporting each bad part under `field.part`.
    public init(_ form: AddressForm, field: String = "address") throws(CommerceError) {
        var collector = ViolationCollector()
        func part(_ raw: String?, _ name: String) -> String? {
            guard let raw else { return nil }
            return collector.check { () throws(CommerceError) in
                try TextRules.boundedText(raw, field: "\(field).\(name)", length: 0...200)
            }.flatMap { $0.isEmpty ? nil : $0 }
        }
        street = part(form.street, "street")
        city = part(form.city, "city")
        state = part(form.state, "state")
        postalCode = part(form.postalCode, "postalCode")
        try collector.finish()
    }
}

/// An address as a client submitted it, before validation.
public struct AddressForm: Sendable, Hashable, Codable {
    public var street: String?
    public var city: String?
    public var state: String?
    public var postalCode: String?

    public init(street: String? = nil, city: String? = nil, state: String? = nil, postalCode: String? = nil) {
        self.street = street
        self.city = city
        self.state = state
        self.postalCode = postalCode
    }
}
