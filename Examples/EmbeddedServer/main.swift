// Both swift-commerce services embedded in your own Hummingbird application: in-memory stores, in-process
// peers, and their routes mounted next to your own on one router and one port. Run it with
//
//     swift run commerce-embedded-example        # then: curl localhost:8080/api/user ...
import CommerceCore
import CommerceHTTP
import CommerceStorage
import Hummingbird

let userStore = InMemoryUserStore()
let orderStore = InMemoryOrderStore()

// Wire the two services to each other in-process.
let orders = OrderService(store: orderStore, users: InProcessUserServicePeer(users: userStore))
let propagator = DeletionPropagator(events: userStore, orders: InProcessOrderServicePeer(orders: orders))
let tokens = await TokenService(
    configuration: .init(secret: try SigningSecret("embedded-example-secret-of-32-bytes-or-more")))
let users = UserService(
    store: userStore, hasher: try BcryptPasswordHasher(cost: 10), tokens: tokens, deletions: propagator)
let credentials = Credentials(
    tokens: tokens, apiKey: try SigningSecret("embedded-example-api-key-of-32-bytes-or-more", field: "API_KEY"))

// Your application's router: your routes, and both services' routes beside them.
let router = Router()
router.get("/") { _, _ in "Welcome to my shop.\n" }
router.addUserServiceRoutes(users: users, credentials: credentials)
router.addOrderServiceRoutes(orders: orders, credentials: credentials)

// The propagator runs beside the server and stops with it.
let app = Application(
    router: router, configuration: .init(address: .hostname("127.0.0.1", port: 8080)), services: [propagator])
try await app.runService()
