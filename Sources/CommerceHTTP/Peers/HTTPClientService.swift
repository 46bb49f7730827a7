import AsyncHTTPClient
import ServiceLifecycle

/// Keeps an `HTTPClient` for the lifetime of a service group and shuts it down on graceful shutdown, so
/// the one client the peers share goes away with the application.
public struct HTTPClientService: Service {
    public let client: HTTPClient

    public init(client: HTTPClient) { self.client = client }

    public func run() async throws {
        try? await gracefulShutdown()
        try await client.shutdown()
    }
}
