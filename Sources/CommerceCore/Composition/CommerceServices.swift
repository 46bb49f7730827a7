import Logging
import ServiceLifecycle

/// The one place where the services are made: from stores, peers, a clock and settings, each service is
/// built here, once per process, and handed to whatever serves it (the HTTP applications, the test
/// harness, an app that embeds the library).
///
/// One value holds what both services share — the token service (and so its cache of verified tokens),
/// the password hasher, the clock and the settings — so that two services in one process never end up
/// with two copies of a cache or of an in-flight set that ought to be one.
///
/// ```swift
/// let services = await CommerceServices(tokens: .init(secret: secret), hasher: try BcryptPasswordHasher())
/// let (user, order) = services.inProcess(userStore: InMemoryUserStore(), orderStore: InMemoryOrderStore())
/// ```
public struct CommerceServices: Sendable {
    /// Issues and checks the access tokens of every service built here.
    public let tokens: TokenService
    /// Hashes and checks passwords for the User service.
    public let hasher: any PasswordHasher
    /// How pending outbox events (deletions, revocations) are delivered.
    public let propagation: OutboxPropagator.Configuration
    /// The Order service's limits and windows.
    public let orderConfiguration: OrderService.Configuration
    /// How often expired idempotency records and refresh tokens are swept.
    public let sweep: ExpirySweeper.Configuration
    /// How long a refresh token keeps its session going.
    public let refreshTokenLifetime: Duration
    /// How long a password-reset token works.
    public let passwordResetLifetime: Duration
    /// The time every service reads.
    public let clock: any CommerceClock

    /// Services that sign tokens with `tokens`, hash passwords with `hasher` and read `clock`.
    public init(
        tokens: TokenService.Configuration, hasher: any PasswordHasher,
        propagation: OutboxPropagator.Configuration = .init(), orders: OrderService.Configuration = .init(),
        sweep: ExpirySweeper.Configuration = .init(),
        refreshTokenLifetime: Duration = UserService.defaultRefreshLifetime,
        passwordResetLifetime: Duration = .seconds(30 * 60),
        clock: any CommerceClock = SystemClock()
    ) async {
        self.refreshTokenLifetime = refreshTokenLifetime
        self.passwordResetLifetime = passwordResetLifetime
        self.tokens = await TokenService(configuration: tokens, clock: clock)
        self.hasher = hasher
        self.propagation = propagation
        self.orderConfiguration = orders
        self.sweep = sweep
        self.clock = clock
    }

    /// The User service over `store`, delivering its outbox events (deletions, revocations) to the Order service
    /// through `orders`.
    /// - Parameter throttle: limits failed logins. When `nil`: a ``StoredLoginThrottle`` over `store` when the
    ///   store also keeps login failures (``LoginFailureStore``: the SQLite and PostgreSQL stores), so every
    ///   replica on its database counts failures together; else ``UserService``'s in-memory default.
    /// - Parameter notifier: where password-reset tokens go; without one, password reset answers
    ///   `unavailable`.
    public func userService(
        store: any UserStore, orders: any OrderServicePeer, notifier: (any Notifier)? = nil,
        throttle: (any LoginThrottle)? = nil, logger: Logger = Logger(label: "commerce.user-service"),
        metrics: CommerceMetrics = CommerceMetrics()
    ) -> UserServiceAssembly {
        var destinations: [any OutboxDestination] = [OrderServiceDestination(orders: orders)]
        if let notifier {
            destinations.append(
                PasswordResetMailDestination(
                    notifier: notifier, resets: store, lifetime: passwordResetLifetime, clock: clock))
        }
        let propagator = OutboxPropagator(
            events: store, destinations: destinations, configuration: propagation, clock: clock, logger: logger,
            metrics: metrics)
        let throttle =
            throttle
            ?? (store as? any LoginFailureStore).map { StoredLoginThrottle(store: $0, clock: clock, logger: logger) }
        let users = UserService(
            store: store, hasher: hasher, tokens: tokens, outbox: propagator, throttle: throttle, clock: clock,
            logger: logger, metrics: metrics, refreshLifetime: refreshTokenLifetime, orders: orders,
            ordersRetry: orderConfiguration.userCheck)
        let sweeper = ExpirySweeper.tokens(
            of: store, throttle: throttle as? StoredLoginThrottle, configuration: sweep, clock: clock, logger: logger)
        return UserServiceAssembly(store: store, tokens: tokens, users: users, propagator: propagator, sweeper: sweeper)
    }

    /// The Order service over `store`, checking users with the User service through `users`.
    /// - Parameter webhooks: how order events reach subscribers (`CommerceHTTP`'s `HTTPWebhookSender`, and the
    ///   dispatcher's pace). With it and a store that keeps webhooks (``WebhookStore``: every store of the
    ///   library), a ``WebhookDispatcher`` joins the background services; without it, events are still
    ///   recorded for the subscriptions staff make, and wait.
    public func orderService(
        store: any OrderStore, users: any UserServicePeer,
        webhooks: (sender: any WebhookSender, configuration: WebhookDispatcher.Configuration)? = nil,
        logger: Logger = Logger(label: "commerce.order-service"), metrics: CommerceMetrics = CommerceMetrics()
    ) -> OrderServiceAssembly {
        let orders = OrderService(
            store: store, users: users, configuration: orderConfiguration, clock: clock, logger: logger,
            metrics: metrics)
        let sweeper = ExpirySweeper.idempotencyRecords(of: store, configuration: sweep, clock: clock, logger: logger)
        let dispatcher = webhooks.flatMap { webhooks in
            (store as? any WebhookStore).map {
                WebhookDispatcher(
                    store: $0, sender: webhooks.sender, clock: clock, configuration: webhooks.configuration,
                    logger: logger, metrics: metrics)
            }
        }
        return OrderServiceAssembly(
            store: store, tokens: tokens, orders: orders, sweeper: sweeper, webhookDispatcher: dispatcher)
    }

    /// Both services in one process, each reaching the other through an in-process peer: the same rules
    /// as over HTTP, no sockets. The Order service the User service's peer calls is the one returned, so a
    /// purge clears the very caches the Order service's requests read.
    /// - Parameters:
    ///   - userPeer: wraps the Order service's in-process view of the User service (a fault-injecting peer
    ///     in a test, say); unwrapped by default.
    ///   - orderPeer: wraps the User service's in-process view of the Order service likewise.
    public func inProcess(
        userStore: any UserStore, orderStore: any OrderStore, notifier: (any Notifier)? = nil,
        webhooks: (sender: any WebhookSender, configuration: WebhookDispatcher.Configuration)? = nil,
        userPeer: (any UserServicePeer) -> any UserServicePeer = { $0 },
        orderPeer: (any OrderServicePeer) -> any OrderServicePeer = { $0 },
        userLogger: Logger = Logger(label: "commerce.user-service"), userMetrics: CommerceMetrics = CommerceMetrics(),
        orderLogger: Logger = Logger(label: "commerce.order-service"), orderMetrics: CommerceMetrics = CommerceMetrics()
    ) -> (user: UserServiceAssembly, order: OrderServiceAssembly) {
        let order = orderService(
            store: orderStore, users: userPeer(InProcessUserServicePeer(users: userStore)), webhooks: webhooks,
            logger: orderLogger, metrics: orderMetrics)
        let user = userService(
            store: userStore, orders: orderPeer(InProcessOrderServicePeer(orders: order.orders)), notifier: notifier,
            logger: userLogger, metrics: userMetrics)
        return (user, order)
    }
}

/// The User service as assembled by ``CommerceServices``: the rules, the store they run on, the token
/// service that checks its callers, and the background work to run beside it for as long as it serves
/// (``backgroundServices``: swift-service-lifecycle `Service`s).
public struct UserServiceAssembly: Sendable {
    /// Where users, their sessions and the outbox live.
    public let store: any UserStore
    /// Checks the bearer tokens of its callers.
    public let tokens: TokenService
    /// Register, sign in and keep a session, read, change, delete.
    public let users: UserService
    /// Delivers outbox events to the Order service and the notifier; run it for as long as the service runs.
    public let propagator: OutboxPropagator
    /// Deletes expired refresh and reset tokens, and login failures no window counts; run it for as long as
    /// the service runs.
    public let sweeper: ExpirySweeper

    /// What must run beside the service for as long as it serves: the propagator and the sweeper. Hand
    /// them to a `ServiceGroup` (or run each in a task); a service without them never delivers a deletion
    /// or a reset mail, and never forgets an expired token.
    public var backgroundServices: [any Service] { [propagator, sweeper] }
}

/// The Order service as assembled by ``CommerceServices``: the rules, the store they run on, the token
/// service that checks its callers, and the background work to run beside it for as long as it serves
/// (``backgroundServices``).
public struct OrderServiceAssembly: Sendable {
    /// Where orders, tombstones and idempotency records live.
    public let store: any OrderStore
    /// Checks the bearer tokens of its callers.
    public let tokens: TokenService
    /// Place, list, purge.
    public let orders: OrderService
    /// Deletes expired idempotency records; run it for as long as the service runs.
    public let sweeper: ExpirySweeper
    /// Delivers order events to webhook subscriptions, when the service was given a sender.
    public let webhookDispatcher: WebhookDispatcher?

    /// What must run beside the service for as long as it serves: the sweeper of expired idempotency
    /// records, and the webhook dispatcher when there is one. Hand them to a `ServiceGroup` (or run each in
    /// a task).
    public var backgroundServices: [any Service] { [sweeper] + (webhookDispatcher.map { [$0] } ?? []) }
}
