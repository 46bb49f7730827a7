import AsyncHTTPClient
import CommerceBcrypt
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
    /// Opens the stores; its closers run in a ``DatabaseCloser`` at the very end, its PostgreSQL pool runs
    /// first and stops last, its migrations run before a service answers.
    private let stores: StoreOpener
    /// The OTLP exporter's background work (``TraceExport``), when traces are exported.
    private let traceExport: (any Service)?

    init(settings: ServerSettings, traceExport: (any Service)? = nil) {
        self.settings = settings
        self.traceExport = traceExport
        stores = StoreOpener(
            location: settings.database, poolSize: settings.databasePoolSize, logLevel: settings.logLevel,
            deletionLease: settings.deletionLease)
    }

    func run() async throws {
        var logger = Logger(label: "commerce-server")
        logger.logLevel = settings.logLevel
        let applications = try await makeServices(logger: logger)
        // Stopped in reverse: the applications first (they drain their requests), then the connection pool,
        // then the SQLite files, and last the trace exporter, so the spans of the drain still leave.
        var services: [any Service] = traceExport.map { [$0] } ?? []
        services.append(DatabaseCloser(close: stores.closers, logger: logger))
        if let postgres = stores.postgres { services.append(postgres) }
        // The migrations run once, before the first application serves; every application waits for them.
        let preparation = Preparation(steps: stores.preparations)
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
            tokens: .init(secret: settings.jwtSecret, lifetime: settings.accessTokenLifetime),
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
            let hooks = HTTPClient.forWebhooks(on: .webhooks)
            let (user, order) = services.inProcess(
                userStore: try stores.userStore(), orderStore: try stores.orderStore(),
                notifier: notifier(client: client), webhooks: webhooks(client: hooks),
                userLogger: userSettings.logger, userMetrics: userSettings.metrics, orderLogger: orderSettings.logger,
                orderMetrics: orderSettings.metrics)
            return [
                buildUserServiceApplication(
                    settings: userSettings, service: user, services: [HTTPClientService(client: client)]),
                buildOrderServiceApplication(
                    settings: orderSettings, service: order, services: [HTTPClientService(client: hooks)]),
            ]
        case .user:
            let client = HTTPClient.forPeers()
            let user = services.userService(
                store: try stores.userStore(),
                orders: HTTPOrderServicePeer(
                    client: client, baseURL: settings.orderServiceURL, apiKey: settings.apiKey),
                notifier: notifier(client: client), logger: userSettings.logger, metrics: userSettings.metrics)
            return [
                buildUserServiceApplication(
                    settings: userSettings, service: user, services: [HTTPClientService(client: client)])
            ]
        case .order:
            let client = HTTPClient.forPeers()
            let hooks = HTTPClient.forWebhooks(on: .webhooks)
            let order = services.orderService(
                store: try stores.orderStore(),
                users: HTTPUserServicePeer(client: client, baseURL: settings.userServiceURL, apiKey: settings.apiKey),
                webhooks: webhooks(client: hooks), logger: orderSettings.logger, metrics: orderSettings.metrics)
            return [
                buildOrderServiceApplication(
                    settings: orderSettings, service: order,
                    services: [HTTPClientService(client: client), HTTPClientService(client: hooks)])
            ]
        }
    }

    /// How order events reach webhook subscribers: over `client` (``HTTPClient/forWebhooks(on:)``), refusing
    /// private addresses unless allowed, retried for the configured window, kept for the configured retention,
    /// each claim held for at least twice a send's timeout (as ``WebhookDispatcher/Configuration/lease`` asks),
    /// the lanes on the deliveries' own thread (``BackgroundEventLoop/webhooks``), which yields to requests.
    private func webhooks(client: HTTPClient) -> (
        sender: any WebhookSender, configuration: WebhookDispatcher.Configuration
    ) {
        let sender = HTTPWebhookSender(
            client: client, policy: WebhookAddressPolicy(allowsPrivate: settings.webhookAllowPrivate),
            timeout: settings.webhookTimeout)
        return (
            sender,
            WebhookDispatcher.Configuration(
                lease: max(WebhookDispatcher.Configuration().lease, settings.webhookTimeout * 2),
                retryWindow: settings.webhookRetryWindow, retention: settings.webhookRetention,
                executor: BackgroundEventLoop.webhooks)
        )
    }

    /// Where password-reset tokens go: the webhook when one is set, else (never in production: the settings
    /// refuse it) the development notifier, which logs them.
    private func notifier(client: HTTPClient) -> any Notifier {
        guard let webhook = settings.notifyWebhook else { return DevelopmentNotifier() }
        return WebhookNotifier(client: client, url: webhook.url, secret: webhook.secret)
    }
}
