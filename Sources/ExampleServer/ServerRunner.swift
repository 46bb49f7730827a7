import AsyncHTTPClient
import CommerceCore
import CommerceHTTP
import CommercePostgres
import CommerceStorage
import Foundation
import Hummingbird
import Logging
import PostgresNIO
import UnixSignals
import ServiceLifecycle

/// Wires the configured services onto their stores and peers and runs them until SIGTERM or SIGINT, which
/// stop them gracefully: the servers stop accepting, in-flight requests finish (for at most the grace
/// period, then they are cancelled), the propagator stops, the databases close.
final class ServerRunner {
    let settings: ServerSettings
    /// How to close each store opened, in order; run by a ``DatabaseCloser`` at the very end.
    private var closers: [@Sendable () throws -> Void] = []
    /// The PostgreSQL connection pool, with `DATABASE_URL=postgres://…`; run first, stopped last.
    private var postgres: PostgresClient?
    /// What must happen before a service answers (PostgreSQL migrations), in order.
    private var preparations: [@Sendable () async throws -> Void] = []

    init(settings: ServerSettings) { self.settings = settings }

    func run() async throws {
        var logger = Logger(label: "commerce-server")
        logger.logLevel = settings.logLevel
        let applications = try await makeServices(logger: logger)
        // Stopped in reverse: the applications first (they drain their requests), then the connection pool,
        // then the SQLite files.
        var services: [any Service] = [DatabaseCloser(close: closers, logger: logger)]
        if let postgres { services.append(postgres) }
        services += applications.map { PreparedService(prepare: preparations, service: $0) }
        var configuration = ServiceGroupConfiguration(
            services: services.map { .init(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = settings.shutdownGracePeriod
        configuration.maximumCancellationDuration = .seconds(5)
        let group = ServiceGroup(configuration: configuration)
        logger.info(
            "starting",
            metadata: [
                "mode": "\(settings.mode)", "host": "\(settings.host)",
                "database": "\(settings.database)",
            ])
        try await group.run()
        logger.info("stopped")
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
        let propagation = DeletionPropagator.Configuration(
            retry: retry, readinessBacklogAgeLimit: settings.readinessBacklogAgeLimit, lease: settings.deletionLease)
        let orderConfiguration = OrderService.Configuration(userCacheLifetime: settings.userCacheLifetime)
        switch settings.mode {
        case .all:
            // Both services in one process talk through in-process peers: the same rules, no sockets.
            let userStore = try userStore()
            let orderStore = try orderStore()
            let orderSettings = httpSettings(port: settings.orderServicePort, label: "order")
            let orders = OrderService(
                store: orderStore, users: InProcessUserServicePeer(users: userStore), configuration: orderConfiguration,
                logger: orderSettings.logger, metrics: orderSettings.metrics)
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

    /// The SQLite file a service keeps its data in (`file` in the data directory, or the one file named);
    /// `nil` for in-memory stores.
    private func sqlitePath(_ file: String) -> String? {
        switch settings.database {
        case .memory, .postgres: nil
        case .sqliteDirectory(let directory): directory + "/" + file
        case .sqliteFile(let path): path
        }
    }

    /// The PostgreSQL pool for `url`, made once per process (in `all` mode both stores share it).
    private func postgresClient(_ url: PostgresConnectionURL) -> PostgresClient {
        if let postgres { return postgres }
        var configuration = url.configuration
        configuration.options.maximumConnections = 20
        var logger = Logger(label: "commerce.postgres")
        logger.logLevel = max(settings.logLevel, .notice)
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        postgres = client
        return client
    }

    private func userStore() throws -> any UserStore {
        if case .postgres(let url) = settings.database {
            let store = PostgresUserStore(client: postgresClient(url), promptDeliveryWindow: settings.deletionLease / 2)
            preparations.append(store.migrate)
            return store
        }
        guard let path = sqlitePath("users.sqlite") else { return InMemoryUserStore() }
        let store = try SQLiteUserStore(path: path)
        closers.append(store.close)
        return store
    }

    private func orderStore() throws -> any OrderStore {
        if case .postgres(let url) = settings.database {
            let store = PostgresOrderStore(client: postgresClient(url))
            preparations.append(store.migrate)
            return store
        }
        guard let path = sqlitePath("orders.sqlite") else { return InMemoryOrderStore() }
        let store = try SQLiteOrderStore(path: path)
        closers.append(store.close)
        return store
    }
}
