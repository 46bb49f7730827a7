import AsyncHTTPClient
import NIOCore
import ServiceLifecycle

/// Keeps an `HTTPClient` for the lifetime of a service group and shuts it down on graceful shutdown, so
/// the one client the peers share goes away with the application.
public struct HTTPClientService: Service {
    /// The client to share between the peers.
    public let client: HTTPClient

    /// Owns `client`: it is shut down when the service stops.
    public init(client: HTTPClient) { self.client = client }

    /// Waits for graceful shutdown, then shuts the client down.
    public func run() async throws {
        try? await gracefulShutdown()
        try await client.shutdown()
    }
}

extension HTTPClient {
    /// The client the HTTP peers should share: it makes no connection retries of its own (the caller's
    /// `RetryPolicy` decides about retries, so a refused connection fails the attempt at once instead of
    /// being retried inside it until its deadline), with a 2 s connect timeout.
    public static func forPeers() -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(2)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }
}

extension HTTPClient {
    /// The client webhook deliveries go through: it follows no redirect (a redirect could lead anywhere the
    /// address policy refuses, past its check) and makes no connection retries of its own (the dispatcher
    /// retries), with a 5 s connect timeout.
    public static func forWebhooks() -> HTTPClient {
        HTTPClient(eventLoopGroupProvider: .singleton, configuration: webhookConfiguration)
    }

    /// The same client on `loop`'s thread (``BackgroundEventLoop``), so that its connections' work runs
    /// where the dispatcher's lanes do.
    public static func forWebhooks(on loop: BackgroundEventLoop) -> HTTPClient {
        HTTPClient(eventLoopGroupProvider: .shared(loop.group), configuration: webhookConfiguration)
    }

    private static var webhookConfiguration: HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(5)
        return configuration
    }
}
