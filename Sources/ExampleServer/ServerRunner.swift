import AsyncHTTPClient
import CommerceCore
import CommerceHTTP
import CommercePostgres
import CommerceStorage
import Foundation
import Hummingbird
import Logging
import PostgresNIO
import ServiceLifecycle
import UnixSignals

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
        // The migrations run once, before the first application serves; every application waits for them.
        let preparation = Preparation(steps: preparations)
        services += applications.map { PreparedService(preparation: preparation, service: $0) }
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

    /// The lifecycle services of this mode: one or two applications, plus the shared HTTP client. Every
    /// service is made by one ``CommerceServices``: in `all` mode the Order service the User service's
    /// in-process peer calls is the very one that answers the Order service's requests.
    func makeServices(logger: Logger) async throws -> [any Service] {
        func httpSettings(port: Int, label: String) -> HTTPServiceSettings {
            var serviceLogger = logger
            serviceLogger[metadataKey: "service"] = "\(label)"
            var http = HTTPServiceSettings(
                host: settings.host, port: port, apiKey: settings.apiKey,
                corsAllowedOrigins: settings.corsAllowedOrigins, logger: serviceLogger)
            http.bodyReadTimeout = settings.bodyReadTimeout
            http.trustedProxies = settings.trustedProxies
            return http
        }
        var retry = RetryPolicy.background
        retry.maxDelay = settings.deletionRetryMaxDelay
        let services = await CommerceServices(
            tokens: .init(secret: settings.jwtSecret, lifetime: settings.tokenLifetime),
            hasher: try BcryptPasswordHasher(cost: settings.bcryptCost),
            propagation: .init(
                retry: retry, readinessBacklogAgeLimit: settings.readinessBacklogAgeLimit, lease: settings.deletionLease
            ),
            orders: .init(
                idempotencyWindow: settings.idempotencyWindow, userCacheLifetime: settings.userCacheLifetime,
                pricing: settings.pricing, deletionPolicy: settings.deletionPolicy),
            refreshTokenLifetime: settings.refreshTokenLifetime)
        let userSettings = httpSettings(port: settings.userServicePort, label: "user")
        let orderSettings = httpSettings(port: settings.orderServicePort, label: "order")
        switch settings.mode {
        case .all:
            let client = HTTPClient.forPeers()
            let (user, order) = services.inProcess(
                userStore: try userStore(), orderStore: try orderStore(), notifier: notifier(client: client),
                userLogger: userSettings.logger, userMetrics: userSettings.metrics, orderLogger: orderSettings.logger,
                orderMetrics: orderSettings.metrics)
            return [
                buildUserServiceApplication(
                    settings: userSettings, service: user, services: [HTTPClientService(client: client)]),
                buildOrderServiceApplication(settings: orderSettings, service: order),
            ]
        case .user:
            let client = HTTPClient.forPeers()
            let user = services.userService(
                store: try userStore(),
                orders: HTTPOrderServicePeer(
                    client: client, baseURL: settings.orderServiceURL, apiKey: settings.apiKey),
                notifier: notifier(client: client), logger: userSettings.logger, metrics: userSettings.metrics)
            return [
                buildUserServiceApplication(
                    settings: userSettings, service: user, services: [HTTPClientService(client: client)])
            ]
        case .order:
            let client = HTTPClient.forPeers()
            let order = services.orderService(
                store: try orderStore(),
                users: HTTPUserServicePeer(client: client, baseURL: settings.userServiceURL, apiKey: settings.apiKey),
                logger: orderSettings.logger, metrics: orderSettings.metrics)
            return [
                buildOrderServiceApplication(
                    settings: orderSettings, service: order, services: [HTTPClientService(client: client)])
            ]
        }
    }

    /// Where password-reset tokens go: the webhook when one is set, else (never in production: the settings
    /// refuse it) the development notifier, which logs them.
    private func notifier(client: HTTPClient) -> any Notifier {
        guard let webhook = settings.notifyWebhook else { return DevelopmentNotifier() }
        return WebhookNotifier(client: client, url: webhook.url, secret: webhook.secret)
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
        configuration.options.maximumConnections = settings.databasePoolSize
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
            // Half the pool for each kind of batch, as the store asks (pages and placements).
            let store = PostgresOrderStore(
                client: postgresClient(url), batchesInFlight: max(1, settings.databasePoolSize / 2))
            preparations.append(store.migrate)
            return store
        }
        guard let path = sqlitePath("orders.sqlite") else { return InMemoryOrderStore() }
        let store = try SQLiteOrderStore(path: path)
        closers.append(store.close)
        return store
    }
}
