// Both services of swift-commerce in one process, on in-memory stores, talking through in-process peers:
// the seed system's whole flow, with no HTTP and no database. Run it with
//
//     swift run commerce-inprocess-example
import CommerceCore
import CommerceStorage
import Foundation

let orderStore = InMemoryOrderStore()

// The Order service asks the User service whether a user exists; the User service tells the Order service
// to purge a deleted user's orders. In one process both are direct calls, wired by CommerceServices.
let services = await CommerceServices(
    tokens: .init(secret: try SigningSecret("example-secret-of-at-least-32-bytes!!")),
    hasher: try BcryptPasswordHasher(cost: 10))
let (user, order) = services.inProcess(userStore: InMemoryUserStore(), orderStore: orderStore)
let users = user.users
let orders = order.orders

let ann = try await users.register(
    RegistrationForm(username: "Ann", email: "ann@example.com", password: "correct horse battery"))
print("registered \(ann.email) as \(ann.id)")

let login = try await users.login(email: "ann@example.com", password: "correct horse battery")
let caller = try await users.authenticate(bearer: login.token)
print("logged in; token valid for \(login.expiresIn)")

let placed = try await orders.place(
    OrderForm(
        items: [OrderItemForm(productId: "tea-1", name: "Green tea", quantity: 2, price: Decimal(string: "4.99"))],
        deliveryAddress: "1 Main St, Springfield"),
    as: caller)
print("placed order \(placed.order.id): \(placed.order.total) \(placed.order.currency), \(placed.order.status)")

let page = try await orders.orders(of: ann.id, as: caller)
print("Ann has \(page.orders.count) order(s)")

let deletion = try await users.delete(ann.id, as: caller)
print("deleted Ann; her orders are \(deletion.orders)")
print("orders left: \(try await orderStore.orders(of: ann.id, after: nil, limit: 10).count)")
