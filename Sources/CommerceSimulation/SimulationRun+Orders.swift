import CommerceCore
import CommerceTesting
import Foundation

/// The orders' side of the workload: placements (new, repeated and missing idempotency keys; now and then
/// with a token a revocation voided), transitions by customers and staff, stock counts.
extension SimulationRun {
    /// What one placement asks for.
    struct Placement {
        let user: Int
        let product: Int
        let quantity: Int
        let key: String?
        var label: String { "place u\(user) p\(product) x\(quantity) \(key ?? "-")" }
        var form: OrderForm {
            OrderForm(
                items: [OrderItemForm(productId: SimulationRun.products[product], quantity: quantity)],
                deliveryAddress: "\(user) Simulation Street")
        }
    }

    /// A placement the seed makes up: a new key mostly, a key of the user's used before now and then, or none.
    func drawPlacement() -> Placement? {
        guard !users.isEmpty else { return nil }
        let user = Int.random(in: 0..<users.count, using: &random)
        let product = Int.random(in: 0..<Self.products.count, using: &random)
        let quantity = Int.random(in: 1...3, using: &random)
        var key: String?
        if random.chance(25), let reused = users[user].keys.keys.sorted().randomElement(using: &random) {
            key = reused
        } else if random.chance(85) {
            nextKey += 1
            key = "k\(nextKey)"
        }
        return Placement(user: user, product: product, quantity: quantity, key: key)
    }

    func place() async throws {
        guard let placement = drawPlacement() else { return record("place skipped") }
        if random.chance(12) {
            let fault = [PeerFault.unavailable, .timeout, .lostAnswer].randomElement(using: &random)!
            await harness.userPeer.plan.failNext(Int.random(in: 1...4, using: &random), with: fault)
        }
        let user = placement.user
        // Now and then with a token a revocation voided, which the Order service refuses once it knows.
        let voided = random.chance(20) ? users[user].voided.last : nil
        guard let token = voided ?? users[user].token else { return record("\(placement.label) signed out") }
        let label = placement.label + (voided == nil ? "" : " voided")
        let deletionDelivered = try await deletionDelivered(user)
        let revocationDelivered = try await revocationsDelivered(user)
        do {
            let caller = try await harness.callerToken(of: token)
            let placed = try await harness.orders.place(
                placement.form, idempotencyKey: placement.key, as: .user(users[user].id), token: caller)
            // Until its deletion reaches the Order service, a deleted user's earlier order may be answered to
            // a repeat of its key; nothing new is ever placed for them, and nothing at all once it has.
            if users[user].deleted, !placed.replayed || deletionDelivered {
                let what = placed.replayed ? alias(of: placed.order.id) : "a new order"
                violate(.deletedUsersTokensRefused, "u\(user)'s token was answered \(what) after their deletion")
            }
            if voided != nil, revocationDelivered {
                violate(.revokedTokensRefused, "a token u\(user) revoked placed an order after the revocation arrived")
            }
            adopt(placed, of: placement, label: label)
        } catch let error as CommerceError {
            record("\(label) \(error.code)")
        }
    }

    /// Takes in a placement's answer: a replay must be of the key's one order, a new order is remembered.
    func adopt(_ placed: PlacedOrder, of placement: Placement, label: String) {
        let user = placement.user
        if let key = placement.key, let first = users[user].keys[key] {
            if placed.order.id != first {
                violate(.oneOrderPerKey, "key \(key) of u\(user) answered a second order")
            }
            return record("\(label) replayed \(alias(of: placed.order.id))")
        }
        // A key this run never had acknowledged cannot be a repeat of anything.
        if placed.replayed {
            violate(.oneOrderPerKey, "key \(placement.key ?? "-") of u\(user) answered a replay of an unknown order")
        }
        remember(placed.order, of: placement)
        record("\(label) created o\(orders.count - 1)")
    }

    func remember(_ order: Order, of placement: Placement) {
        orders.append(
            SimOrder(
                alias: orders.count, id: order.id, user: placement.user, product: placement.product,
                quantity: placement.quantity, statuses: order.history.map(\.status)))
        if let key = placement.key { users[placement.user].keys[key] = order.id }
    }

    /// A placement whose answer the crash that follows loses: the client does not know whether it was
    /// placed. Once the services are back it finds out as a client would — by its key when it had one, by
    /// reading its orders when not — and what it finds is acknowledged from then on.
    func placeUnanswered() async throws -> Placement? {
        guard let placement = drawPlacement(), let token = users[placement.user].token,
            let caller = try? await harness.callerToken(of: token)
        else { return nil }
        _ = try? await harness.orders.place(
            placement.form, idempotencyKey: placement.key, as: .user(users[placement.user].id), token: caller)
        return placement
    }

    /// After a restart: what became of a placement whose answer was lost.
    func settle(_ placement: Placement) async throws {
        let user = users[placement.user]
        let known = Set(orders.map(\.id))
        let stored = try await harness.orderStore.orders(of: user.id, status: nil, after: nil, limit: 1000)
        let found = stored.filter { !known.contains($0.id) }
        if found.count > 1 { violate(.oneOrderPerKey, "one lost answer, \(found.count) orders of u\(placement.user)") }
        for order in found.prefix(1) {
            remember(order, of: placement)
            record("\(placement.label) found o\(orders.count - 1)")
        }
        guard let key = placement.key, let token = user.token, !found.isEmpty else {
            return record("\(placement.label) settled")
        }
        // Its retry must answer the order found, not place another.
        do {
            let placed = try await harness.orders.place(
                placement.form, idempotencyKey: key, as: .user(user.id),
                token: try await harness.callerToken(of: token))
            adopt(placed, of: placement, label: "\(placement.label) retried")
        } catch let error as CommerceError {
            record("\(placement.label) retried \(error.code)")
        }
    }

    func transition() async throws {
        guard !orders.isEmpty else { return record("transition skipped") }
        let index = Int.random(in: 0..<orders.count, using: &random)
        let action = OrderAction.allCases.randomElement(using: &random)!
        let byStaff = random.chance(60)
        let order = orders[index]
        let user = users[order.user]
        let label = "\(action.rawValue) o\(order.alias) by \(byStaff ? "staff" : "customer")"
        guard let token = byStaff ? staff.token : user.token else { return record("\(label) signed out") }
        let deletionDelivered = try await deletionDelivered(order.user)
        do {
            let principal: Principal = byStaff ? .staff(staff.id) : .user(user.id)
            let moved = try await harness.orders.transition(
                action, order: order.id, of: user.id, reason: action == .cancel ? "changed my mind" : nil,
                as: principal, token: try await harness.callerToken(of: token))
            if deletionDelivered, !byStaff {
                violate(.deletedUsersTokensRefused, "u\(user.alias)'s token moved o\(order.alias) after deletion")
            }
            // A move to where the order already is answers it unchanged: its history is what was acknowledged.
            orders[index].statuses = moved.history.map(\.status)
            record("\(label) -> \(moved.status.rawValue)")
        } catch let error as CommerceError {
            record("\(label) \(error.code)")
        }
    }

    func adjustStock() async throws {
        let product = Int.random(in: 0..<Self.products.count, using: &random)
        let change = Int.random(in: -5...5, using: &random)
        let label = "stock p\(product) \(change >= 0 ? "+" : "")\(change)"
        do {
            _ = try await harness.orders.adjustStock(
                of: Self.products[product], by: change, reason: "count", as: .staff(staff.id),
                token: try await harness.callerToken(of: staff.token))
            adjustments[product] += change
            record("\(label) ok")
        } catch let error as CommerceError {
            record("\(label) \(error.code)")
        }
    }
}
