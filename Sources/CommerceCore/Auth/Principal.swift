/// Who is calling a service, as the transport established it (a verified token, an API key).
/// The services, not the transport, decide what each principal may do.
public enum Principal: Sendable, Hashable {
    /// A user, identified by the subject of a verified token.
    case user(UserID)
    /// The other service of this system, authenticated with the shared internal API key.
    case internalService
}
