/// A postal address; every part optional, trimmed, at most 200 characters.
public struct PostalAddress: Sendable, Hashable, Codable {
    /// Street and number.
    public var street: String?
    /// City or town.
    public var city: String?
    /// State, province or region.
    public var state: String?
    /// Postal or ZIP code.
    public var postalCode: String?

    /// An address from parts that are already valid (read back from a store).
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
    /// Street and number, as submitted.
    public var street: String?
    /// City or town, as submitted.
    public var city: String?
    /// State, province or region, as submitted.
    public var state: String?
    /// Postal or ZIP code, as submitted.
    public var postalCode: String?

    /// A form with the given parts.
    public init(street: String? = nil, city: String? = nil, state: String? = nil, postalCode: String? = nil) {
        self.street = street
        self.city = city
        self.state = state
        self.postalCode = postalCode
    }
}
