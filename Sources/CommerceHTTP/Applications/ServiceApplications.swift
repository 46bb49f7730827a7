import CommerceCore
import CoreMetrics
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle
import Tracing

/// What both services' HTTP applications need beyond the services themselves (``CommerceServices``).
public struct HTTPServiceSettings: Sendable {
    /// The address to bind; `127.0.0.1` by default, `0.0.0.0` for every interface.
    public var host: String
    /// The port to bind; 0 picks a free one.
    public var port: Int
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
    /// How long `GET /ready` waits for the database before calling it down, and `/health` and `/metrics`
    /// for the deletion backlog before leaving it out: 2 s by default.
    public var readinessTimeout: Duration = .seconds(2)
    /// The proxies whose forwarding headers name the client (for the per-address login throttle); none by
    /// default, so the headers are ignored.
    public var trustedProxies: TrustedProxies = .none
    /// How long a request body may take to arrive once its head has: past it the request is answered 408
    /// and the connection closed, so a client that drips its body cannot hold a connection. 30 s by default.
    public var bodyReadTimeout: Duration = .seconds(30)
    /// Whether each request is a server span (``ServerSpanMiddleware``: named for its route template,
    /// continuing the caller's trace context). On by default when a tracer was bootstrapped
    /// (`InstrumentationSystem.bootstrap`) before these settings were made; off, a request pays nothing.
    public var tracesRequests: Bool = !(InstrumentationSystem.tracer is NoOpTracer)

    /// Every setting; CORS is off and the host is the loopback address unless named.
    public init(
        host: String = "127.0.0.1", port: Int, apiKey: SigningSecret,
        corsAllowedOrigins: [String] = [], logger: Logger = Logger(label: "commerce"),
        metricsRegistry: PrometheusCollectorRegistry? = PrometheusCollectorRegistry()
    ) {
        self.host = host
        self.port = port
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

    /// Header limits per request (16 KiB a field, 32 KiB in all, 100 fields), a 60 s idle timeout, the body
    /// read timeout, and RFC 9457 answers for what the parser refuses (``ConnectionGuard``).
    var server: HTTPServerBuilder {
        let bodyReadTimeout = TimeAmount.nanoseconds(
            Int64(bodyReadTimeout.components.seconds) * 1_000_000_000 + bodyReadTimeout.components.attoseconds
                / 1_000_000_000)
        return .http1(
            configuration: .init(
                additionalChannelHandlers: [ConnectionGuard(bodyReadTimeout: bodyReadTimeout)],
                idleTimeout: .seconds(60),
                httpDecoderConfiguration: .init(
                    maxHeaderFieldSize: 16 * 1024, maxHeaderListSize: 32 * 1024, maxHeaderFieldCount: 100)))
    }
}

/// The User service as a Hummingbird application: its routes, the operational routes (`/health`,
/// `/ready` — the database and the deletion backlog — and `/metrics`), problem+json errors, request ids and
/// logs, and the service's ``OutboxPropagator`` running beside the server.
///
/// - Parameters:
///   - service: the User service, built by ``CommerceServices/userService(store:orders:throttle:logger:metrics:)``
///     (pass it `settings.logger` and `settings.metrics`, so its logs and metrics land where this
///     application's do).
///   - services: more lifecycle services to run and stop with the application (an HTTP client, say).
public func buildUserServiceApplication(
    settings: HTTPServiceSettings, service: UserServiceAssembly, services: [any Service] = []
) -> some ApplicationProtocol {
    let logger = settings.logger
    let propagator = service.propagator
    let routeTable = RouteTable()
    let router = baseRouter(routeTable: routeTable, settings: settings, document: .userService)
    router.addOperationalRoutes(
        routeTable: routeTable, metricsRegistry: settings.metricsRegistry,
        health: {
            let backlog = try? await answer(within: settings.readinessTimeout) { try await propagator.backlog() }
            return HealthRepresentation(
                pendingDeletions: backlog?.count,
                oldestPendingDeletionAgeSeconds: backlog.map { Int(propagator.age(of: $0).timeInterval) })
        },
        readiness: {
            // Side by side, so that a database that does not answer costs one timeout, not one per check.
            async let database = ReadinessCheck.database(
                { try await service.store.checkReadiness() }, timeout: settings.readinessTimeout, logger: logger)
            async let deletionBacklog = ReadinessCheck.deletionBacklog(propagator, timeout: settings.readinessTimeout)
            return await [database, deletionBacklog]
        },
        refreshMetrics: { _ = try? await answer(within: settings.readinessTimeout) { try await propagator.backlog() } })
    router.addUserServiceRoutes(
        users: service.users, credentials: Credentials(tokens: service.tokens, apiKey: settings.apiKey),
        trustedProxies: settings.trustedProxies, routeTable: routeTable)
    return Application(
        router: router, server: settings.server,
        configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "commerce-user"),
        services: service.backgroundServices + services, logger: logger)
}

/// The Order service as a Hummingbird application: its routes, the operational routes (`/health`,
/// `/ready` — the database — and `/metrics`), problem+json errors, request ids and logs, and the sweeper
/// of expired idempotency records running beside the server.
///
/// - Parameters:
///   - service: the Order service, built by ``CommerceServices/orderService(store:users:logger:metrics:)``
///     (pass it `settings.logger` and `settings.metrics`).
///   - services: more lifecycle services to run and stop with the application (an HTTP client, say).
public func buildOrderServiceApplication(
    settings: HTTPServiceSettings, service: OrderServiceAssembly, services: [any Service] = []
) -> some ApplicationProtocol {
    let logger = settings.logger
    let routeTable = RouteTable()
    let router = baseRouter(routeTable: routeTable, settings: settings, document: .orderService)
    router.addOperationalRoutes(
        routeTable: routeTable, metricsRegistry: settings.metricsRegistry, health: { HealthRepresentation() },
        readiness: {
            [
                await .database(
                    { try await service.store.checkReadiness() }, timeout: settings.readinessTimeout, logger: logger)
            ]
        })
    router.addOrderServiceRoutes(
        orders: service.orders, credentials: Credentials(tokens: service.tokens, apiKey: settings.apiKey),
        routeTable: routeTable)
    return Application(
        router: router, server: settings.server,
        configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "commerce-order"),
        services: service.backgroundServices + services, logger: logger)
}

/// A router with a server span per request when tracing, request ids, metrics and logs, security headers,
/// CORS when configured, problem+json for every error (404 and 405 included) and the service's
/// `GET /openapi.yaml`.
func baseRouter(
    routeTable: RouteTable, settings: HTTPServiceSettings, document: OpenAPIDocument
) -> Router<CommerceRequestContext> {
    let router = Router(context: CommerceRequestContext.self)
    if settings.tracesRequests { router.add(middleware: ServerSpanMiddleware()) }
    router.add(middleware: RequestBookkeepingMiddleware(metrics: settings.metrics))
    if !settings.corsAllowedOrigins.isEmpty {
        router.add(middleware: CORSAllowListMiddleware(origins: settings.corsAllowedOrigins))
    }
    router.add(middleware: ProblemMiddleware(routes: routeTable))
    router.addOpenAPIDocumentRoute(document, routeTable: routeTable)
    return router
}
