/// One member of a JSON merge patch (RFC 7396): absent leaves the value alone, `null` removes it, anything
/// else sets it.
public enum PatchValue<Value: Sendable & Hashable>: Sendable, Hashable {
    /// The member was absent.
    case unchanged
    /// The member was `null`.
    case removed
    /// The member's value.
    case set(Value)
}

extension KeyedDecodingContainer {
    /// The member `key` as a merge-patch value.
    func patchValue<Value: Decodable & Sendable & Hashable>(_ type: Value.Type, forKey key: Key) throws
        -> PatchValue<Value>
    {
        guard contains(key) else { return .unchanged }
        if try decodeNil(forKey: key) { return .removed }
        return .set(try decode(type, forKey: key))
    }
}

/// A change to a user's profile, as a JSON merge patch (`PATCH /api/user/{id}`): `username`, `phone`,
/// `address` and its parts, and `email` (which needs `currentPassword`). Nothing else can be changed this way.
public struct ProfilePatch: Sendable, Hashable, Decodable {
    public var username: PatchValue<String>
    public var email: PatchValue<String>
    public var phone: PatchValue<String>
    public var address: PatchValue<AddressPatch>
    /// The user's password, required to change the email. Never logged.
    public var currentPassword: String?

    /// A patch with the given members (absent ones unchanged).
    public init(
        username: PatchValue<String> = .unchanged, email: PatchValue<String> = .unchanged,
        phone: PatchValue<String> = .unchanged, address: PatchValue<AddressPatch> = .unchanged,
        currentPassword: String? = nil
    ) {
        self.username = username
        self.email = email
        self.phone = phone
        self.address = address
        self.currentPassword = currentPassword
    }

    private enum CodingKeys: String, CodingKey { case username, email, phone, address, currentPassword }

    /// Reads a merge patch: absent members unchanged, `null` ones removed.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        username = try container.patchValue(String.self, forKey: .username)
        email = try container.patchValue(String.self, forKey: .email)
        phone = try container.patchValue(String.self, forKey: .phone)
        address = try container.patchValue(AddressPatch.self, forKey: .address)
        currentPassword = try container.decodeIfPresent(String.self, forKey: .currentPassword)
    }
}

/// A change to an address, part by part, as a JSON merge patch.
public struct AddressPatch: Sendable, Hashable, Decodable {
    public var street: PatchValue<String>
    public var city: PatchValue<String>
    public var state: PatchValue<String>
    public var postalCode: PatchValue<String>

    /// A patch with the given parts (absent ones unchanged).
    public init(
        street: PatchValue<String> = .unchanged, city: PatchValue<String> = .unchanged,
        state: PatchValue<String> = .unchanged, postalCode: PatchValue<String> = .unchanged
    ) {
        self.street = street
        self.city = city
        self.state = state
        self.postalCode = postalCode
    }

    private enum CodingKeys: String, CodingKey { case street, city, state, postalCode }

    /// Reads a merge patch of an address.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        street = try container.patchValue(String.self, forKey: .street)
        city = try container.patchValue(String.self, forKey: .city)
        state = try container.patchValue(String.self, forKey: .state)
        postalCode = try container.patchValue(String.self, forKey: .postalCode)
    }

    /// `address` with this patch applied, each set part checked (reported under `address.<part>`); `nil`
    /// when no part is left.
    func applied(to address: PostalAddress?) throws(CommerceError) -> PostalAddress? {
        let checked = try PostalAddress(
            AddressForm(
                street: street.setValue, city: city.setValue, state: state.setValue, postalCode: postalCode.setValue))
        func merge(_ patch: PatchValue<String>, _ current: String?, _ new: String?) -> String? {
            switch patch {
            case .unchanged: current
            case .removed: nil
            case .set: new
            }
        }
        let merged = PostalAddress(
            street: merge(street, address?.street, checked.street), city: merge(city, address?.city, checked.city),
            state: merge(state, address?.state, checked.state),
            postalCode: merge(postalCode, address?.postalCode, checked.postalCode))
        return merged.isEmpty ? nil : merged
    }
}

extension PatchValue {
    /// The value set, if any.
    var setValue: Value? {
        if case .set(let value) = self { return value }
        return nil
    }
}
