import CommerceClient
import CommerceOrderServiceClient
import CommerceUserServiceClient
import Foundation

/// The README's walkthrough with the typed client: register (with an address), log in, read the profile,
/// place an order of a catalog product (with an idempotency key), list and read it, cancel it, delete the
/// account. Every answer is typed; an unexpected one throws, naming the step.
struct ClientWalkthrough {
    let client: CommerceClient
    /// A product the catalog sells, with stock enough for one unit.
    let productId: String
    /// Where each step's result is told.
    let say: @Sendable (String) -> Void

    /// What the walkthrough saw, for a test to check.
    struct Outcome: Sendable {
        let userId: String
        let city: String?
        let order: CommerceOrderServiceClient.Components.Schemas.Order
        let listed: [String]
        let cancelled: CommerceOrderServiceClient.Components.Schemas.Order.StatusPayload
    }

    func run(email: String = "walkthrough-\(UUID().uuidString.prefix(8).lowercased())@example.com") async throws
        -> Outcome
    {
        let password = "correct horse battery staple"
        let address = CommerceUserServiceClient.Components.Schemas.Address(
            street: "1 Main St", city: "Springfield", state: "IL", postalCode: "62701")
        let user = try await client.users.registerUser(
            body: .json(.init(username: "Walker", email: email, password: password, address: address))
        ).created.body.json
        say("registered \(user.id)")

        let token = try await client.users.logIn(body: .json(.init(email: email, password: password))).ok.body.json
        let me = client.signedIn(as: token.token)
        say("logged in: a \(token.tokenType.rawValue) token for \(token.expiresIn) s")

        let profile = try await me.users.getUser(path: .init(id: user.id)).ok.body.json
        say("profile of \(profile.username), in \(profile.address?.city ?? "no city")")

        let placed = try await me.orders.placeOrder(
            headers: .init(idempotencyKey: UUID().uuidString),
            body: .json(.init(items: [.init(productId: productId, quantity: 1)], deliveryAddress: "1 Main St"))
        ).created.body.json
        say("placed \(placed.id): \(placed.total) \(placed.currency), \(placed.status.rawValue)")

        let listed = try await me.orders.listOrders(path: .init(userId: user.id)).ok.body.json.map(\.id)
        let read = try await me.orders.getOrder(path: .init(userId: user.id, orderId: placed.id)).ok.body.json
        say("listed \(listed.count) order(s); read \(read.id) back")

        let cancelled = try await me.orders.cancelOrder(
            path: .init(userId: user.id, orderId: placed.id), body: .json(.init(reason: "changed my mind"))
        ).ok.body.json
        say("cancelled: \(cancelled.status.rawValue)")

        _ = try await me.users.deleteUser(path: .init(id: user.id)).ok
        say("deleted \(user.id)")
        return Outcome(
            userId: user.id, city: profile.address?.city, order: read, listed: listed, cancelled: cancelled.status)
    }
}
