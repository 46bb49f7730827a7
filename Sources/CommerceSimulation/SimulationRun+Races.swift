import CommerceCore
import CommerceTesting
import Foundation

/// Requests that race: started side by side on the run's ``SimulationExecutor``, interleaved job by job
/// as the seed says, then taken in the order they were drawn. Each race is one the services promise
/// something about: buyers for the last units, one key sent twice, a placement against its user's deletion,
/// two moves of one order, a refresh against a sign-out everywhere, a stock count against a placement.
extension SimulationRun {
    /// What one racer came to.
    enum RaceAnswer: Sendable {
        case placed(PlacedOrder)
        case moved(Order)
        case signedIn(SignIn)
        case done
        case failed(String)

        var label: String {
            switch self {
            case .placed(let placed): placed.replayed ? "replayed" : "created"
            case .moved(let order): order.status.rawValue
            case .signedIn: "signed in"
            case .done: "done"
            case .failed(let code): code
            }
        }
    }

    /// A racer's body, its failure kept as its code.
    static func answer(_ body: () async throws -> RaceAnswer) async -> RaceAnswer {
        do {
            return try await body()
        } catch let error as CommerceError {
            return .failed("\(error.code)")
        } catch {
            return .failed("\(type(of: error))")
        }
    }

    func race() async throws {
        guard configuration.races else { return try await place() }
        switch Int.random(in: 0..<6, using: &random) {
        case 0: try await raceForTheLastUnits()
        case 1: try await raceOneKeyTwice()
        case 2: try await racePlacementAndDeletion()
        case 3: try await raceTwoMoves()
        case 4: try await raceRefreshAndRevocation()
        default: try await raceStockCountAndPlacement()
        }
    }

    /// Runs `racers` side by side as the seed interleaves them; their answers in the order given.
    func run(_ racers: [@Sendable () async -> RaceAnswer]) async -> [RaceAnswer] {
        let (answers, advanced) = await executor.race(racers, random: random)
        random = advanced
        return answers
    }

    /// A racer placing `placement`, or `nil` when its user cannot (signed out, an expired token).
    func placing(_ placement: Placement) async -> (@Sendable () async -> RaceAnswer)? {
        guard let token = users[placement.user].token, let caller = try? await harness.callerToken(of: token) else {
            return nil
        }
        let (orders, form, key, id) = (harness.orders, placement.form, placement.key, users[placement.user].id)
        return {
            await Self.answer {
                .placed(try await orders.place(form, idempotencyKey: key, as: .user(id), token: caller))
            }
        }
    }

    /// Takes in the placements' answers in the order they were drawn.
    func adopt(_ answers: [RaceAnswer], of placements: [Placement], in race: String) {
        for (placement, answer) in zip(placements, answers) {
            if case .placed(let placed) = answer {
                adopt(placed, of: placement, label: "\(race): \(placement.label)")
            } else {
                record("\(race): \(placement.label) \(answer.label)")
            }
        }
    }

    /// A placement by `user` with a new key, of `product` or one the seed draws.
    func keyedPlacement(by user: Int, of product: Int? = nil) -> Placement {
        let product = product ?? Int.random(in: 0..<Self.products.count, using: &random)
        nextKey += 1
        return Placement(
            user: user, product: product, quantity: Int.random(in: 1...3, using: &random), key: "k\(nextKey)")
    }

    /// Live users who are signed in, by alias.
    var signedIn: [Int] { users.indices.filter { !users[$0].deleted && users[$0].token != nil } }

    /// Two or three buyers at once for one product, each with a key of their own.
    func raceForTheLastUnits() async throws {
        let product = Int.random(in: 0..<Self.products.count, using: &random)
        var placements: [Placement] = []
        for user in signedIn.shuffled(using: &random).prefix(Int.random(in: 2...3, using: &random)) {
            placements.append(keyedPlacement(by: user, of: product))
        }
        try await racePlacements(placements, as: "race for p\(product)")
    }

    /// One placement sent twice at once with the same key, as a client retrying too early does: one order.
    func raceOneKeyTwice() async throws {
        guard let user = signedIn.randomElement(using: &random) else { return record("race key skipped") }
        let placement = keyedPlacement(by: user)
        try await racePlacements([placement, placement], as: "race key \(placement.key ?? "-")")
    }

    func racePlacements(_ drawn: [Placement], as race: String) async throws {
        var placements: [Placement] = []
        var racers: [@Sendable () async -> RaceAnswer] = []
        for placement in drawn {
            guard let racer = await placing(placement) else { continue }
            placements.append(placement)
            racers.append(racer)
        }
        guard placements.count > 1 else { return record("\(race) skipped") }
        adopt(await run(racers), of: placements, in: race)
    }

    /// A user's placement against their own deletion: placed before it (and gone with it once it arrives)
    /// or refused, never kept after.
    func racePlacementAndDeletion() async throws {
        guard let user = signedIn.randomElement(using: &random) else { return record("race deletion skipped") }
        let placement = keyedPlacement(by: user)
        guard let placing = await placing(placement) else { return record("race deletion skipped") }
        let (users, id) = (harness.users, self.users[user].id)
        let answers = await run([
            placing,
            {
                await Self.answer {
                    _ = try await users.delete(id, as: .user(id))
                    return .done
                }
            },
        ])
        adopt([answers[0]], of: [placement], in: "race deletion of u\(user)")
        if case .done = answers[1] { self.users[user].deleted = true }
        record("race deletion of u\(user): \(answers[1].label)")
    }

    /// Two moves of one order at once (staff's or its customer's): each answer's history is a beginning of
    /// the other's, and the longer is what was acknowledged.
    func raceTwoMoves() async throws {
        guard let index = orders.indices.randomElement(using: &random) else { return record("race moves skipped") }
        let order = orders[index]
        let user = users[order.user]
        var racers: [@Sendable () async -> RaceAnswer] = []
        var labels: [String] = []
        for _ in 0..<2 {
            let action = OrderAction.allCases.randomElement(using: &random)!
            let byStaff = random.chance(60)
            guard let token = byStaff ? staff.token : user.token,
                let caller = try? await harness.callerToken(of: token)
            else { continue }
            let principal: Principal = byStaff ? .staff(staff.id) : .user(user.id)
            let (orders, id, owner) = (harness.orders, order.id, user.id)
            let reason = action == .cancel ? "changed my mind" : nil
            labels.append("\(action.rawValue) by \(byStaff ? "staff" : "customer")")
            racers.append {
                await Self.answer {
                    .moved(
                        try await orders.transition(
                            action, order: id, of: owner, reason: reason, as: principal, token: caller))
                }
            }
        }
        guard racers.count == 2 else { return record("race moves of o\(order.alias) skipped") }
        let answers = await run(racers)
        let histories = answers.compactMap { answer -> [OrderStatus]? in
            if case .moved(let moved) = answer { moved.history.map(\.status) } else { nil }
        }
        if histories.count == 2, !histories[0].starts(with: histories[1]), !histories[1].starts(with: histories[0]) {
            violate(.legalHistory, "two moves of o\(order.alias) answered \(histories[0]) and \(histories[1])")
        }
        if let longest = histories.max(by: { $0.count < $1.count }), longest.count > orders[index].statuses.count {
            orders[index].statuses = longest
        }
        let outcomes = zip(labels, answers).map { "\($0) \($1.label)" }.joined(separator: ", ")
        record("race moves of o\(order.alias): \(outcomes)")
    }

    /// A refresh against a sign-out everywhere: whichever goes first, the access token the refresh answers
    /// is refused once both are done.
    func raceRefreshAndRevocation() async throws {
        guard let user = signedIn.filter({ users[$0].refresh != nil }).randomElement(using: &random),
            let refresh = users[user].refresh
        else { return record("race refresh skipped") }
        let (service, id) = (harness.users, users[user].id)
        let answers = await run([
            { await Self.answer { .signedIn(try await service.refresh(refresh)) } },
            {
                await Self.answer {
                    try await service.logOutEverywhere(id, as: .user(id))
                    return .done
                }
            },
        ])
        record("race refresh of u\(user): \(answers[0].label), sign out everywhere \(answers[1].label)")
        guard case .done = answers[1] else { return }
        users[user].spent.append(refresh)
        for token in [users[user].token, { if case .signedIn(let next) = answers[0] { next.token } else { nil } }()] {
            guard let token else { continue }
            users[user].voided.append(token)
            if (try? await harness.users.authenticate(bearer: token)) != nil {
                violate(.revokedTokensRefused, "u\(user)'s token survived a sign-out everywhere raced by a refresh")
            }
        }
        try await signIn(user)
    }

    /// Staff's stock count against a placement of the same product.
    func raceStockCountAndPlacement() async throws {
        guard let user = signedIn.randomElement(using: &random) else { return record("race count skipped") }
        let placement = keyedPlacement(by: user)
        let product = placement.product
        let change = Int.random(in: -3...3, using: &random)
        guard let placing = await placing(placement),
            let caller = try await harness.callerToken(of: staff.token)
        else { return record("race count skipped") }
        let (orders, staffId, productId) = (harness.orders, staff.id, Self.products[product])
        let answers = await run([
            placing,
            {
                await Self.answer {
                    _ = try await orders.adjustStock(
                        of: productId, by: change, reason: "count", as: .staff(staffId), token: caller)
                    return .done
                }
            },
        ])
        if case .done = answers[1] { adjustments[product] += change }
        adopt([answers[0]], of: [placement], in: "race count p\(product) \(change): \(answers[1].label)")
    }
}
