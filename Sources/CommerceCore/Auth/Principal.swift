/// Who is calling a service, as the transport established it (a verified token, an API key).
/// The services, not the transport, decide what each principal may do.
public enum Principal: Sendable, Hashable {
    /// A customer, identified by the subject of a verified token.
    case user(UserID)
    /// A member of staff, identified by the subject of a verified token whose `role` claim says so.
    case staff(UserID)
    /// The other service of this system, authenticated with the shared internal API key.
    case internalService

    /// The principal a token speaks for: its subject, with its role.
    public init(userId: UserID, role: UserRole) {
        self = role == .staff ? .staff(userId) : .user(userId)
    }

    /// The calling user, customer or staff; `nil` for the internal service.
    public var userId: UserID? {
        switch self {
        case .user(let id), .staff(let id): id
        case .internalService: nil
        }
    }

    /// Whether the caller is staff.
    public var isStaff: Bool {
        if case .staff = self { return true }
        return false
    }
}
