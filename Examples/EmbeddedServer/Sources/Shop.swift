import CommerceBcrypt
import CommerceCore
import CommerceHTTP
import Hummingbird

/// Your application with both swift-commerce services mounted in it, over the stores you choose, signing
/// tokens with `jwtSecret` and accepting `apiKey` on the internal routes (each at least 32 bytes).
///
/// Every service is made by one ``CommerceServices`` value: the same composition root `commerce-server`
/// uses. What each service must run beside it (the outbox propagator, the sweepers of expired tokens and
/// idempotency records) comes with it as `backgroundServices`, and the application runs and stops them.
func makeShop(
    jwtSecret: String, apiKey: String, userStore: any UserStore, orderStore: any OrderStore,
    clock: any CommerceClock = SystemClock(), port: Int = 8080
) async throws -> some ApplicationProtocol {
    let services = await CommerceServices(
        tokens: .init(secret: try SigningSecret(jwtSecret)), hasher: try BcryptPasswordHasher(), clock: clock)
    let (user, order) = services.inProcess(userStore: userStore, orderStore: orderStore)
    // user.users: UserService, order.orders: OrderService; each with the background work it needs

    // Your application's router: your routes, and both services' routes beside them. Its context must say
    // the client's address (CommerceRequestContext does): the login throttle counts failures per address.
    let credentials = Credentials(tokens: services.tokens, apiKey: try SigningSecret(apiKey, field: "API_KEY"))
    let router = Router(context: CommerceRequestContext.self)
    router.add(middleware: RequestIDMiddleware())
    router.add(middleware: SecurityHeadersMiddleware())
    router.get("/") { _, _ in "Welcome to my shop.\n" }
    router.addUserServiceRoutes(users: user.users, credentials: credentials)  // /api/user…
    router.addOrderServiceRoutes(orders: order.orders, credentials: credentials)  // /api/order…, /api/product…
    return Application(
        router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
        services: user.backgroundServices + order.backgroundServices)
}
