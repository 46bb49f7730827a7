import CommerceBcrypt
import CommerceCore
import CommerceInMemory
import Foundation
import Logging
import ServiceLifecycle

/// Both services wired in one process, with fault-injecting peers between them: what an app's own tests
/// need to exercise the whole flow without sockets. The stores are in-memory unless you bring your own —
/// any ``UserStore`` and ``OrderStore``, so a store you wrote runs the same flows (deletion propagation,
/// faults, a controlled clock) as the library's. The services are made by ``CommerceServices``, as in
/// `commerce-server`.
///
/// ```swift
/// let harness = try await CommerceHarness()
/// let (user, token) = try await harness.registerAndLogIn()
/// try await harness.orderPeer.plan.failNext(2)       // the Order service is down for two calls
/// let deletion = try await harness.users.delete(user.id, as: .user(user.id))
/// ```
public struct CommerceHarness: Sendable {
    /// A 40-byte secret for tests only.
    public static let testSecret = try! SigningSecret("commerce-testing-secret-0123456789abcdef")

    /// The clock every part reads: the system clock unless the harness was made with another (a ``TestClock``).
    public let clock: any CommerceClock
    /// The User service's store.
    public let userStore: any UserStore
    /// The Order service's store.
    public let orderStore: any OrderStore
    /// The Order service's view of the User service; script its faults through `userPeer.plan`.
    public let userPeer: FaultyUserServicePeer
    /// The User service's view of the Order service; script its faults through `orderPeer.plan`.
    public let orderPeer: FaultyOrderServicePeer
    /// Where the User service sends password-reset tokens: every notice it took, and its faults
    /// (`notifier.plan`).
    public let notifier: RecordingNotifier
    /// Issues and checks the harness's tokens (``testSecret``).
    public let tokens: TokenService
    /// The User service, deleting through ``propagator``.
    public let users: UserService
    /// The Order service, checking users through ``userPeer``.
    public let orders: OrderService
    /// Delivers outbox events (deletions, revocations) through ``orderPeer``; run it with
    /// ``withBackgroundServicesRunning(_:)``.
    public let propagator: OutboxPropagator
    /// Every webhook endpoint staff subscribe: what each took, and its faults, by URL.
    public let webhooks: RecordingWebhookEndpoint
    /// Delivers order events to ``webhooks`` (when the Order service's store keeps webhooks, as every store
    /// of the library does); run it with ``withBackgroundServicesRunning(_:)``, or a pass at a time.
    public let webhookDispatcher: WebhookDispatcher?
    /// What built the services; build more (an HTTP application of your own, say) from it.
    public let services: CommerceServices
    /// The User service with its store, tokens and propagator, as an HTTP application takes it.
    public let userService: UserServiceAssembly
    /// The Order service with its store and tokens, as an HTTP application takes it.
    public let orderService: OrderServiceAssembly

    /// Retries that take milliseconds, not seconds: 4 attempts, 1 ms base, 10 ms cap, 1 s per attempt.
    public static let fastRequestRetry = RetryPolicy(
        maxAttempts: 4, baseDelay: .milliseconds(1), maxDelay: .milliseconds(10),
        attemptTimeout: .seconds(1), deadline: .seconds(5))

    /// Webhook deliveries for tests: polled every 10 ms, retried 10 ms to 100 ms apart, the backlog read
    /// every 100 ms.
    public static let fastWebhookDelivery = WebhookDispatcher.Configuration(
        pollInterval: .milliseconds(10), lease: .seconds(5), firstDelay: .milliseconds(10),
        maximumDelay: .milliseconds(100), backlogInterval: .milliseconds(100))

    /// Background retries for tests: without end, 1 ms base, 10 ms cap, 1 s per attempt.
    public static let fastBackgroundRetry = RetryPolicy(
        maxAttempts: nil, baseDelay: .milliseconds(1), maxDelay: .milliseconds(10),
        attemptTimeout: .seconds(1), deadline: nil)

    /// - Parameters:
    ///   - clock: the time every part sees; with a ``TestClock`` the test must advance it for retries
    ///     and the propagator's polling to move on.
    ///   - userStore, orderStore: the stores to run on: your own, or existing ones (to simulate a restart).
    ///   - requestRetry: the Order service's retries of its user check.
    ///   - userCacheLifetime: how long the Order service trusts "the user exists"; zero asks every time.
    ///   - pricing: where order prices come from: the catalog (as in production), seeded with the products
    ///     ``sampleOrder(items:price:)`` names, or the client.
    ///   - deletionPolicy: what a user's deletion does to their orders.
    ///   - webhookDelivery: how the dispatcher paces deliveries to ``webhooks``.
    ///   - bcryptCost: 4, the minimum, so tests stay fast.
    ///   - userMetrics, orderMetrics: where each service records its metrics (an HTTP application's
    ///     `settings.metrics`, to read them back from its `/metrics`).
    public init(
        clock: any CommerceClock = SystemClock(),
        userStore: any UserStore = InMemoryUserStore(),
        orderStore: any OrderStore = InMemoryOrderStore(),
        requestRetry: RetryPolicy = fastRequestRetry,
        userCacheLifetime: Duration = .seconds(30),
        pricing: PricingMode = .catalog, deletionPolicy: DeletionPolicy = .purge,
        propagation: OutboxPropagator.Configuration = OutboxPropagator.Configuration(
            retry: fastBackgroundRetry, pollInterval: .milliseconds(10)),
        webhookDelivery: WebhookDispatcher.Configuration = fastWebhookDelivery,
        bcryptCost: UInt8 = 4,
        logger: Logger = Logger(label: "commerce.testing", factory: { _ in SwiftLogNoOpLogHandler() }),
        userMetrics: CommerceMetrics = CommerceMetrics(), orderMetrics: CommerceMetrics = CommerceMetrics()
    ) async throws {
        self.clock = clock
        self.userStore = userStore
        self.orderStore = orderStore
        let services = await CommerceServices(
            tokens: .init(secret: Self.testSecret), hasher: try BcryptPasswordHasher(cost: bcryptCost),
            propagation: propagation,
            orders: .init(
                userCheck: requestRetry, userCacheLifetime: userCacheLifetime, pricing: pricing,
                deletionPolicy: deletionPolicy),
            clock: clock)
        // The in-process wiring any embedder gets, with fault-injecting peers wrapped around its two peers.
        var faultyUsers: FaultyUserServicePeer?
        var faultyOrders: FaultyOrderServicePeer?
        notifier = RecordingNotifier()
        webhooks = RecordingWebhookEndpoint()
        let (user, order) = services.inProcess(
            userStore: userStore, orderStore: orderStore, notifier: notifier,
            webhooks: (webhooks, webhookDelivery),
            userPeer: { peer in
                let faulty = FaultyUserServicePeer(wrapping: peer)
                faultyUsers = faulty
                return faulty
            },
            orderPeer: { peer in
                let faulty = FaultyOrderServicePeer(wrapping: peer)
                faultyOrders = faulty
                return faulty
            }, userLogger: logger, userMetrics: userMetrics, orderLogger: logger, orderMetrics: orderMetrics)
        guard let faultyUsers, let faultyOrders else { preconditionFailure("inProcess wraps both peers") }
        userPeer = faultyUsers
        orderPeer = faultyOrders
        self.services = services
        userService = user
        orderService = order
        tokens = services.tokens
        users = user.users
        orders = order.orders
        propagator = user.propagator
        webhookDispatcher = order.webhookDispatcher
        if pricing == .catalog {
            // Only what is missing: a harness over existing stores (a restart) keeps their catalog's stock.
            for index in 0..<OrderDraft.itemCount.upperBound where try await orderStore.product("sku-\(index)") == nil {
                _ = try await orderStore.putProduct(
                    Product(
                        id: "sku-\(index)", name: "Item \(index)", price: Self.samplePrice, currency: .usd,
                        active: true,
                        updatedAt: clock.now().roundedToMilliseconds))
            }
        }
    }

    /// Sets the stock of a product of the catalog (`nil`: not tracked), as staff's `PUT` would.
    /// - Throws: `notFound` when the catalog has no such product.
    public func setStock(of productId: String, to units: Int?) async throws {
        guard var product = try await orderStore.product(productId) else {
            throw CommerceError.notFound("No such product.")
        }
        product.stock = units
        _ = try await orderStore.putProduct(product)
    }

    /// What every product of the seeded catalog costs: 9.99.
    public static let samplePrice = Money(minorUnits: 999)

    /// Registers a user with a unique email and logs them in.
    public func registerAndLogIn(
        username: String = "Test User", password: String = "correct horse battery"
    ) async throws -> (user: User, token: String) {
        let email = "user-\(UUID().uuidString.prefix(8).lowercased())@example.com"
        let user = try await users.register(
            RegistrationForm(username: username, email: email, password: password))
        let token = try await users.login(email: email, password: password)
        return (user, token.token)
    }

    /// Registers a user with a unique email and signs them in: the whole ``SignIn`` (access and refresh
    /// token, session), for tests of sessions, logout and revocation.
    public func registerAndSignIn(
        username: String = "Test User", password: String = "correct horse battery"
    ) async throws -> (user: User, signIn: SignIn) {
        let (user, _) = try await registerAndLogIn(username: username, password: password)
        return (user, try await users.login(email: user.email.value, password: password))
    }

    /// Asks for a password reset for `email`, delivers the outbox now (as the propagator's loop would) and
    /// answers the token the user received, or `nil` when none was sent (an unknown email, or the
    /// notifier is down).
    public func requestPasswordReset(for email: EmailAddress) async throws -> String? {
        try await users.requestPasswordReset(email: email.value)
        try await propagator.deliverPending()
        return await notifier.lastPasswordReset(for: email)?.token
    }

    /// The ``CallerToken`` of an access token the harness issued, as the Order service's store judges it.
    public func callerToken(of token: String) async throws -> CallerToken? {
        try await tokens.access(token).callerToken
    }

    /// Registers a user, makes them staff (as the operator would, with the internal key) and logs them in:
    /// the token carries the `staff` role.
    public func registerAndLogInStaff(
        username: String = "Staff Member", password: String = "correct horse battery"
    ) async throws -> (user: User, token: String) {
        let (user, _) = try await registerAndLogIn(username: username, password: password)
        let staff = try await users.setRole(user.id, to: .staff, as: .internalService)
        let token = try await users.login(email: staff.email.value, password: password)
        return (staff, token.token)
    }

    /// A small valid order form, of the products a catalog-priced harness seeds (`sku-0`, `sku-1`, …, each at
    /// ``samplePrice``).
    public static func sampleOrder(items: Int = 1, price: Decimal = Decimal(string: "9.99")!) -> OrderForm {
        OrderForm(
            items: (0..<items).map {
                OrderItemForm(productId: "sku-\($0)", name: "Item \($0)", quantity: 1, price: price)
            },
            deliveryAddress: "1 Test Street, Testville")
    }

    /// Runs both services' background work — the propagator, the sweepers and the webhook dispatcher
    /// (``UserServiceAssembly/backgroundServices``, ``OrderServiceAssembly/backgroundServices``) — for as long
    /// as `body` runs, then stops it.
    public func withBackgroundServicesRunning<Result: Sendable>(
        _ body: @Sendable () async throws -> Result
    ) async throws -> Result {
        let background = userService.backgroundServices + orderService.backgroundServices
        return try await withThrowingTaskGroup(of: Void.self) { group in
            for service in background { group.addTask { try await service.run() } }
            defer { group.cancelAll() }
            return try await body()
        }
    }
}
