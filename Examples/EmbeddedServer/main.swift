// Both swift-commerce services embedded in your own Hummingbird application: in-memory stores, in-process
// peers, and their routes mounted next to your own on one router and one port. Run it with
//
//     swift run commerce-embedded-example        # then: curl localhost:8080/api/user ...
import CommerceCore
import CommerceHTTP
import CommerceStorage
import Hummingbird

// Every service is made by one CommerceServices value: the same composition root commerce-server uses.
let services = await CommerceServices(
    tokens: .init(secret: try SigningSecret("embedded-example-secret-of-32-bytes-or-more")),
    hasher: try BcryptPasswordHasher(cost: 10))
let (user, order) = services.inProcess(userStore: InMemoryUserStore(), orderStore: InMemoryOrderStore())
let credentials = Credentials(
    tokens: services.tokens, apiKey: try SigningSecret("embedded-example-api-key-of-32-bytes-or-more", field: "API_KEY")
)

// Your application's router: your routes, and both services' routes beside them. Its context must say the
// client's address (CommerceRequestContext does), or the User service's routes do not compile: the login
// throttle counts failures per address.
let router = Router(context: CommerceRequestContext.self)
router.add(middleware: RequestIDMiddleware())
router.add(middleware: SecurityHeadersMiddleware())
router.get("/") { _, _ in "Welcome to my shop.\n" }
router.addUserServiceRoutes(users: user.users, credentials: credentials)
router.addOrderServiceRoutes(orders: order.orders, credentials: credentials)

// The deletion propagator and the idempotency-key sweeper run beside the server and stop with it.
let app = Application(
    router: router, configuration: .init(address: .hostname("127.0.0.1", port: 8080)),
    services: [user.propagator, order.sweeper])
try await app.runService()
