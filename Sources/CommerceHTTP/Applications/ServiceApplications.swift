import CommerceCore
import CoreMetrics
import Hummingbird
import HummingbirdCore
import Logging
import Prometheus
import ServiceLifecycle

/// What both services' HTTP applications need beyond their stores and peers.
public struct HTTPServiceSettings: Sendable {
    /// The address to bind; `127.0.0.1` by default, `0.0.0.0` for every interface.
    public var host: String
    /// The port to bind; 0 picks a free one.
    public var port: Int
    /// How tokens are signed and checked; the secret is shared by both services.
    public var tokens: TokenService.Configuration
    /// The internal API key both services share.
    public var apiKey: SigningSecret
    /// Origins a browser may call from (CORS); empty, the default, sends no CORS headers at all.
    public var corsAllowedOrigins: [String]
    /// The application's logger; request logs and the propagator's warnings go here.
    public var logger: Logger
    /// Where the application's metrics go and what `GET /metrics` serves: a registry of its own by default.
    /// `nil` records through the global `MetricsSystem` (whatever it was bootstrapped with) and serves no
    /// `/metrics`.
    public var metricsRegistry: PrometheusCollectorRegistry?
    /// How long `GET /ready` waits for the database before calling it down: 2 s by default.
    public var readinessTimeout: Duration = .seconds(2)

    /// Every setting; CORS is off and the host is the loopback address unless named.
    public init(
        host: String = "127.0.0.1", port: Int, tokens: TokenService.Configuration, apiKey: SigningSecret,
        corsAllowedOrigins: [String] = [], logger: Logger = Logger(label: "commerce"),
        metricsRegistry: PrometheusCollectorRegistry? = PrometheusCollectorRegistry()
    ) {
        self.host = host
        self.port = port
        self.tokens = tokens
        self.apiKey = apiKey
        self.corsAllowedOrigins = corsAllowedOrigins
        self.logger = logger
        self.metricsRegistry = metricsRegistry
    }

    /// The metrics the services record: into ``metricsRegistry`` (with latency buckets from 0.5 ms to
    /// 10 s), or through the global `MetricsSystem` without one.
    public var metrics: CommerceMetrics {
        guard let metricsRegistry else { return CommerceMetrics() }
        var factory = PrometheusMetricsFactory(registry: metricsRegistry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(500), .milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10),
            .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
            .seconds(1), .microseconds(2_500_000), .seconds(5), .seconds(10),
        ]
        return CommerceMetrics(factory: factory)
    }

    /// Header limits per request (16 KiB a field, 32 KiB in all, 100 fields) and a 60 s idle timeout, so
    /// oversized or slow-drip headers are refused before anything reads them.
    var server: HTTPServerBuilder {
        .http1(
            configuration: .init(
                idleTimeout: .seconds(60),
                httpDecoderConfiguration: .init(
                    maxHeaderFieldSize: 16 * 1024, maxHeaderListSize: 32 * 1024, maxHeaderFieldCount: 100)))
    }
}

/// The User service as a Hummingbird application: its routes, the operational routes (`/health`,
/// `/ready` — the database and the deletion backlog — and `/metrics`), problem+json errors, request ids and
/// logs, and the ``DeletionPropagator`` running beside the server.
///
/// - Parameters:
///   - store: where users and pending deletion events live.
///   - orders: how the Order service is reached (``HTTPOrderServicePeer`` in production).
///   - services: more lifecycle services to run and stop with the application (an HTTP client, say).
public func buildUserServiceApplication(
    settings: HTTPServiceSettings, store: any UserStore, orders: any OrderServicePeer,
    hasher: any PasswordHasher, propagation: DeletionPropagator.Configuration = .init(),
    clock: any CommerceClock = SystemClock(), services: [any Service] = []
) async -> some ApplicationProtocol {
    let logger = settings.logger
    let metrics = settings.metrics
    let tokens = await TokenService(configuration: settings.tokens, clock: clock)
    let propagator = DeletionPropagator(
        events: store, orders: orders, configuration: propagation, clock: clock, logger: logger, metrics: metrics)
    let users = UserService(
        store: store, hasher: hasher, tokens: tokens, deletions: propagator, clock: clock, logger: logger,
        metrics: metrics)
    let routeTable = RouteTable()
    let router = baseRouter(routeTable: routeTable, settings: settings, metrics: metrics, document: .userService)
    router.addOperationalRoutes(
        routeTable: routeTable, metricsRegistry: settings.metricsRegistry,
        health: {
            let backlog = try? await propagator.backlog()
            return HealthRepresentation(
                pendingDeletions: backlog?.count,
                oldestPendingDeletionAgeSeconds: backlog.map { Int(propagator.age(of: $0).timeInterval) })
        },
        readiness: {
            [
                await .database({ try await store.checkReadiness() }, timeout: settings.readinessTimeout, logger: logger),
                await .deletionBacklog(propagator),
            ]
        },
        refreshMetrics: { _ = try? await propagator.backlog() })
    router.addUserServiceRoutes(
        users: users, credentials: Credentials(tokens: tokens, apiKey: settings.apiKey), routeTable: routeTable)
    return Application(
        router: router, server: settings.server,
        configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "commerce-user"),
        services: [propagator] + services, logger: logger)
}

/// The Order service as a Hummingbird application: its routes, the operational routes (`/health`,
/// `/ready` — the database — and `/metrics`), problem+json errors, request ids and logs.
///
/// - Parameters:
///   - store: where orders, tombstones and idempotency records live.
///   - users: how the User service is reached (``HTTPUserServicePeer`` in production).
///   - services: more lifecycle services to run and stop with the application (an HTTP client, say).
public func buildOrderServiceApplication(
    settings: HTTPServiceSettings, store: any OrderStore, users: any UserServicePeer,
    configuration: OrderService.Configuration = .init(), clock: any CommerceClock = SystemClock(),
    services: [any Service] = []
) async -> some ApplicationProtocol {
    let logger = settings.logger
    let metrics = settings.metrics
    let tokens = await TokenService(configuration: settings.tokens, clock: clock)
    let orders = OrderService(
        store: store, users: users, configuration: configuration, clock: clock, logger: logger, metrics: metrics)
    let routeTable = RouteTable()
    let router = baseRouter(routeTable: routeTable, settings: settings, metrics: metrics, document: .orderService)
    router.addOperationalRoutes(
        routeTable: routeTable, metricsRegistry: settings.metricsRegistry, health: { HealthRepresentation() },
        readiness: {
            [await .database({ try await store.checkReadiness() }, timeout: settings.readinessTimeout, logger: logger)]
        })
    router.addOrderServiceRoutes(
        orders: orders, credentials: Credentials(tokens: tokens, apiKey: settings.apiKey), routeTable: routeTable)
    return Application(
        router: router, server: settings.server,
        configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "commerce-order"),
        services: services, logger: logger)
}

/// A router with request ids, metrics and logs, security headers, CORS when configured, problem+json for
/// every error (404 and 405 included) and the service's `GET /openapi.yaml`.
func baseRouter(
    routeTable: RouteTable, settings: HTTPServiceSettings, metrics: CommerceMetrics, document: OpenAPIDocument
) -> Router<CommerceRequestContext> {
    let router = Router(context: CommerceRequestContext.self)
    router.add(middleware: RequestIDMiddleware())
    router.add(middleware: RequestMetricsMiddleware(metrics: metrics))
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: SecurityHeadersMiddleware())
    if !settings.corsAllowedOrigins.isEmpty {
        router.add(middleware: CORSAllowListMiddleware(origins: settings.corsAllowedOrigins))
    }
    router.add(middleware: ProblemMiddleware(routes: routeTable))
    router.addOpenAPIDocumentRoute(document, routeTable: routeTable)
    return router
}
