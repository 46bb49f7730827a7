/// What a user may do beyond their own account: a `customer` (every new user) places and follows their
/// own orders; `staff` also sees every order and moves it through its lifecycle. Only the operator sets
/// it (the internal key, or `commerce-server set-role`).
public enum UserRole: String, Sendable, Hashable, Codable, CaseIterable {
    /// Every new user.
    case customer
    /// The shop's people.
    case staff
}
