import Hummingbird
import NIOCore

/// The request context of both services' applications: Hummingbird's basic context plus the client's
/// address (for the login throttle). Routes mounted elsewhere work with any `RequestContext`; they read
/// the address when the context is a `RemoteAddressRequestContext`.
public struct CommerceRequestContext: RequestContext, RemoteAddressRequestContext {
    /// Hummingbird's per-request storage.
    public var coreContext: CoreRequestContextStorage
    /// The client's address, for the per-address login throttle.
    public let remoteAddress: SocketAddress?

    /// A context for one request of the application's server.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}

extension RequestContext {
    /// The client's IP address, when the context knows it.
    var clientAddress: String? {
        (self as? any RemoteAddressRequestContext)?.remoteAddress?.ipAddress
    }
}
