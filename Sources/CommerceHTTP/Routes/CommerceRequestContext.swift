import Hummingbird
import NIOCore

/// A request context that can say which address a request came from. The User service's routes require
/// one, because the login throttle counts failures per client address: a context that cannot say would
/// silently turn that limit off, so such a router does not compile with the routes.
///
/// Conform your own context by naming the address of the connection's other end (``CommerceRequestContext``
/// does it with the channel's remote address); return `nil` only where there is truly no connection, as in
/// tests that call the router directly. Behind proxies, the routes find the client from there with
/// ``TrustedProxies``.
public protocol ClientAddressRequestContext: RequestContext {
    /// The IP address of the connection's other end as text — the client, or a proxy in front of it —
    /// `nil` when unknown.
    var peerAddress: String? { get }
}

/// The request context of both services' applications: Hummingbird's basic context plus the client's
/// address (for the login throttle). Use it for your own router when you mount the services' routes:
/// `Router(context: CommerceRequestContext.self)`.
public struct CommerceRequestContext: RequestContext, RemoteAddressRequestContext, ClientAddressRequestContext {
    /// Hummingbird's per-request storage.
    public var coreContext: CoreRequestContextStorage
    /// The address of the connection's other end.
    public let remoteAddress: SocketAddress?

    /// A context for one request of the application's server.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The connection's remote IP address.
    public var peerAddress: String? { remoteAddress?.ipAddress }
}
