import AsyncHTTPClient
import CommerceCore
import CommerceHTTP
import CommerceStorage
import Foundation
import Hummingbird
import Logging
import UnixSignals
import ServiceLifecycle

/// Wires the configured services onto their stores and peers and runs them until SIGTERM or SIGINT, which
/// stop them gracefully: the servers stop accepting, in-flight requests finish, the propagator stops.
struct ServerRunner {
    let settings: ServerSettings

    func run() async throws {
        var logger = Logger(label: "commerce-server")
        logger.logLevel = settings.logLevel
        let services = try await makeServices(logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        logger.info(
            "starting",
            metadata: [
                "mode": "\(settings.mode)", "host": "\(settings.host)",
                "database": "\(settings.database)",
            ])
        try await group.run()
    }

    /// The lifecycle services of this mode: one or two applications, plus the shared HTTP client.
    func makeServices(logger: Logger) async throws -> [any Service] {
        let tokens = TokenService.Configuration(secret: settings.jwtSecret, lifetime: settings.tokenLifetime)
        func httpSettings(port: Int, label: String) -> HTTPServiceSettings {
            var serviceLogger = logger
            serviceLogger[metadataKey: "service"] = "\(label)"
            return HTTPServiceSettings(
                host: settings.host, port: port, tokens: tokens, apiKey: settings.apiKey,
                corsAllowedOrigins: settings.corsAllowedOrigins, logger: serviceLogger)
        }
        let hasher = try BcryptPasswordHasher(cost: settings.bcryptCost)
        var retry = RetryPolicy.background
        retry.maxDelay = settings.deletionRetryMaxDelay
        let propagation = DeletionPropagator.Configuration(retry: retry)
        let orderConfiguration = OrderService.Configuration(userCacheLifetime: settings.userCacheLifetime)
        switch settings.mode {
        case .all:
            // Both services in one process talk through in-process peers: the same rules, no sockets.
            let userStore = try userStore()
            let orderStore = try orderStore()
            let orderSettings = httpSettings(port: settings.orderServicePort, label: "order")
            let orders = OrderService(
                store: orderStore, users: InProcessUserServicePeer(users: userStore), configuration: orderConfiguration,
                logger: orderSettings.logger)
            let userApp = await buildUserServiceApplication(
                settings: httpSettings(port: settings.userServicePort, label: "user"), store: userStore,
                orders: InProcessOrderServicePeer(orders: orders), hasher: hasher, propagation: propagation)
            let orderApp = await buildOrderServiceApplication(
                settings: orderSettings, store: orderStore, users: InProcessUserServicePeer(users: userStore),
                configuration: orderConfiguration)
            return [userApp, orderApp]
        case .user:
            let client = HTTPClient.forPeers()
            let app = await buildUserServiceApplication(
                settings: httpSettings(port: settings.userServicePort, label: "user"), store: try userStore(),
                orders: HTTPOrderServicePeer(client: client, baseURL: settings.orderServiceURL, apiKey: settings.apiKey),
                hasher: hasher, propagation: propagation, services: [HTTPClientService(client: client)])
            return [app]
        case .order:
            let client = HTTPClient.forPeers()
            let app = await buildOrderServiceApplication(
                settings: httpSettings(port: settings.orderServicePort, label: "order"), store: try orderStore(),
                users: HTTPUserServicePeer(client: client, baseURL: settings.userServiceURL, apiKey: settings.apiKey),
                configuration: orderConfiguration, services: [HTTPClientService(client: client)])
            return [app]
        }
    }

    private func userStore() throws -> any UserStore {
        switch settings.database {
        case .memory: InMemoryUserStore()
        case .sqliteDirectory(let directory): try SQLiteUserStore(path: directory + "/users.sqlite")
        case .sqliteFile(let path): try SQLiteUserStore(path: path)
        }
    }

    private func orderStore() throws -> any OrderStore {
        switch settings.database {
        case .memory: InMemoryOrderStore()
        case .sqliteDirectory(let directory): try SQLiteOrderStore(path: directory + "/orders.sqlite")
        case .sqliteFile(let path): try SQLiteOrderStore(path: path)
        }
    }
}
