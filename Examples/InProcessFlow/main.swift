// Both services of swift-commerce in one process, on in-memory stores, talking through in-process peers:
// the seed system's whole flow, with no HTTP and no database. Run it with
//
//     swift run commerce-inprocess-example
import CommerceBcrypt
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

// The shop's staff: the operator makes Bob staff (here in-process, as the internal service; over HTTP with
// the internal key, or `commerce-server set-role`), and Bob's next token carries the role.
let bob = try await users.register(
    RegistrationForm(username: "Bob", email: "bob@example.com", password: "correct horse battery"))
_ = try await users.setRole(bob.id, to: .staff, as: .internalService)
let staff = try await users.authenticate(
    bearer: try await users.login(email: "bob@example.com", password: "correct horse battery").token)

// Bob puts green tea in the catalog, 3 in stock; the shop, not the client, sets what it costs.
let (tea, _) = try await orders.putProduct(
    "tea-1", ProductForm(name: "Green tea", price: Decimal(string: "4.99"), currency: "USD", stock: 3), as: staff)
print("staff: \(tea.name) costs \(tea.price) \(tea.currency), \(tea.stock ?? 0) in stock")
// Goods arrive: a relative change, so it never loses a sale made meanwhile.
let restocked = try await orders.adjustStock(of: "tea-1", by: 2, reason: "delivery 17", as: staff)
print("staff: received 2, \(restocked.stock ?? 0) in stock")

// Ann orders it by id and quantity: name and price come from the catalog.
let placed = try await orders.place(
    OrderForm(items: [OrderItemForm(productId: "tea-1", quantity: 2)], deliveryAddress: "1 Main St, Springfield"),
    as: caller)
print("placed order \(placed.order.id): \(placed.order.total) \(placed.order.currency), \(placed.order.status)")
do {
    _ = try await orders.place(
        OrderForm(items: [OrderItemForm(productId: "tea-1", quantity: 9)], deliveryAddress: "1 Main St"), as: caller)
} catch let error as CommerceError where error.code == .outOfStock {
    let short = error.shortfalls.map { "\($0.productId): \($0.requested) asked, \($0.available) left" }
    print("9 more: out of stock (\(short.joined(separator: "; ")))")
}

let page = try await orders.orders(of: ann.id, as: caller)
print("Ann has \(page.orders.count) order(s)")

var lifecycle = placed.order
for action in [OrderAction.confirm, .ship, .deliver] {
    lifecycle = try await orders.transition(action, order: lifecycle.id, of: ann.id, as: staff)
    print("staff: \(action.rawValue) → \(lifecycle.status) (version \(lifecycle.version))")
}
print("history: " + lifecycle.history.map { "\($0.status.rawValue) by \($0.by.rawValue)" }.joined(separator: ", "))

let deletion = try await users.delete(ann.id, as: caller)
print("deleted Ann; her orders are \(deletion.orders)")
print("orders left: \(try await orderStore.orders(of: ann.id, after: nil, limit: 10).count)")
