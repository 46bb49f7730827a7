import CommerceCore
import CommerceHTTP
import CommerceTestSupport
import CommerceTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Who may read and move an order, over HTTP: every combination of role × action × status.
@Suite("Order lifecycle routes")
struct OrderLifecycleRoutesTests {
    /// The statuses an order can be brought to, and the staff actions that bring a new order there.
    static let paths: [OrderStatus: [OrderAction]] = [
        .pending: [], .confirmed: [.confirm], .shipped: [.confirm, .ship], .delivered: [.confirm, .ship, .deliver],
        .cancelled: [.cancel],
    ]

    /// What each caller gets for each action from each status, written out by hand (not from the
    /// implementation's table): 200, 403 or 409.
    static func expected(_ action: OrderAction, from status: OrderStatus, by caller: String) -> HTTPResponse.Status {
        switch (caller, action) {
        case ("stranger", _):
            return .forbidden
        case ("owner", .cancel), ("staff", .cancel):
            return [.pending, .confirmed, .cancelled].contains(status) ? .ok : .conflict
        case ("owner", _):
            return .forbidden
        case ("staff", .confirm):
            return [.pending, .confirmed].contains(status) ? .ok : .conflict
        case ("staff", .ship):
            return [.confirmed, .shipped].contains(status) ? .ok : .conflict
        default:  // staff, deliver
            return [.shipped, .delivered].contains(status) ? .ok : .conflict
        }
    }

    struct World {
        let system: TestSystem
        let owner: (user: User, token: String)
        let stranger: (user: User, token: String)
        let staff: (user: User, token: String)

        init() async throws {
            system = try await TestSystem()
            owner = try await system.harness.registerAndLogIn()
            stranger = try await system.harness.registerAndLogIn()
            staff = try await system.harness.registerAndLogInStaff()
        }

        /// A new order of the owner's, brought to `status` by staff.
        func order(in status: OrderStatus) async throws -> Order {
            var order = try await system.harness.orders.place(CommerceHarness.sampleOrder(), as: .user(owner.user.id))
                .order
            for action in OrderLifecycleRoutesTests.paths[status]! {
                order = try await system.harness.orders.transition(
                    action, order: order.id, of: owner.user.id, as: .staff(staff.user.id))
            }
            return order
        }

        func token(_ caller: String) -> String {
            switch caller {
            case "owner": owner.token
            case "staff": staff.token
            default: stranger.token
            }
        }
    }

    @Test func everyRoleActionAndStatusIsAnsweredAsTheLifecycleSays() async throws {
        let world = try await World()
        try await world.system.orderApp().test(.router) { client in
            for caller in ["owner", "stranger", "staff"] {
                for action in OrderAction.allCases {
                    for status in OrderStatus.allCases {
                        let order = try await world.order(in: status)
                        let expected = Self.expected(action, from: status, by: caller)
                        let label = "\(caller) \(action.rawValue) from \(status.rawValue)"
                        try await client.execute(
                            uri: "/api/order/\(order.userId)/\(order.id)/\(action.rawValue)", method: .post,
                            headers: [.authorization: "Bearer \(world.token(caller))"]
                        ) { response in
                            #expect(response.status == expected, "\(label)")
                            let body = try object(response)
                            switch expected {
                            case .ok:
                                let moved = status == action.target ? status : action.target
                                #expect(body["status"] as? String == moved.rawValue, "\(label)")
                                #expect(response.headers[.eTag] != nil, "\(label)")
                            case .conflict:
                                #expect(
                                    (body["detail"] as? String)?.contains(status.rawValue) == true, "\(label): names it"
                                )
                            default:
                                #expect(body["type"] as? String == "urn:swift-commerce:problem:forbidden", "\(label)")
                            }
                        }
                    }
                }
            }
        }
    }

    @Test func aCancellationKeepsItsReasonAndTheHistoryWhoDidWhat() async throws {
        let world = try await World()
        let order = try await world.order(in: .confirmed)
        try await world.system.orderApp().test(.router) { client in
            let history = try await client.execute(
                uri: "/api/order/\(order.userId)/\(order.id)/cancel", method: .post,
                headers: [.authorization: "Bearer \(world.owner.token)", .contentType: "application/json"],
                body: json(#"{"reason":"  found it cheaper  "}"#)
            ) { try object($0)["history"] as? [[String: Any]] ?? [] }
            #expect(history.map { $0["status"] as? String } == ["pending", "confirmed", "cancelled"])
            #expect(history.map { $0["by"] as? String } == ["customer", "staff", "customer"])
            #expect(history.last?["reason"] as? String == "found it cheaper")
            #expect(history.first?["reason"] == nil, "no reason, no member")
        }
    }

    @Test func readingAnOrderIsForItsOwnerAndStaffUnderItsOwnPath() async throws {
        let world = try await World()
        let order = try await world.order(in: .pending)
        try await world.system.orderApp().test(.router) { client in
            let path = "/api/order/\(order.userId)/\(order.id)"
            for (caller, status) in [("owner", HTTPResponse.Status.ok), ("staff", .ok), ("stranger", .forbidden)] {
                try await client.execute(uri: path, method: .get, headers: bearer(world.token(caller))) { response in
                    #expect(response.status == status, "\(caller)")
                    if status == .ok { #expect(response.headers[.eTag] == #""1""#, "\(caller)") }
                }
            }
            // The order under another user's path is not found, whoever asks.
            let elsewhere = "/api/order/\(world.stranger.user.id)/\(order.id)"
            for caller in ["staff", "stranger"] {
                try await client.execute(uri: elsewhere, method: .get, headers: bearer(world.token(caller))) {
                    #expect($0.status == .notFound, "\(caller)")
                }
            }
            try await client.execute(
                uri: "/api/order/\(order.userId)/\(OrderID())", method: .get, headers: bearer(world.owner.token)
            ) {
                #expect($0.status == .notFound)
            }
            try await client.execute(uri: path, method: .get) { #expect($0.status == .unauthorized) }
        }
    }

    /// RFC 9110, 13.1.1: a weak tag never matches, a list matches when any of its tags does, and `*` matches
    /// any existing order.
    @Test func ifMatchComparesStronglyAndTakesAListOrAStar() async throws {
        let world = try await World()
        let order = try await world.order(in: .pending)
        try await world.system.orderApp().test(.router) { client in
            func move(_ action: String, ifMatch: String) async throws -> (HTTPResponse.Status, String?) {
                var headers: HTTPFields = [.authorization: "Bearer \(world.staff.token)"]
                headers[.ifMatch] = ifMatch
                return try await client.execute(
                    uri: "/api/order/\(order.userId)/\(order.id)/\(action)", method: .post, headers: headers
                ) { ($0.status, $0.headers[.eTag]) }
            }
            #expect(try await move("confirm", ifMatch: #"W/"1""#).0 == .preconditionFailed, "weak: no match")
            let listed = try await move("confirm", ifMatch: #""5", "1""#)
            #expect(listed.0 == .ok && listed.1 == #""2""#, "a list naming the current version matches")
            let star = try await move("ship", ifMatch: "*")
            #expect(star.0 == .ok && star.1 == #""3""#, "* matches the existing order")
        }
    }

    /// A transition's body is optional; a client that has none to send may still say JSON (the Python
    /// client generated from our document sends `Content-Type: application/json` and no bytes).
    @Test func aJSONContentTypeWithAnEmptyBodyIsNoBody() async throws {
        let world = try await World()
        let order = try await world.order(in: .pending)
        try await world.system.orderApp().test(.router) { client in
            let headers: HTTPFields = [
                .authorization: "Bearer \(world.staff.token)", .contentType: "application/json", .contentLength: "0",
            ]
            try await client.execute(
                uri: "/api/order/\(order.userId)/\(order.id)/confirm", method: .post, headers: headers,
                body: ByteBuffer()
            ) { response in
                let status = try object(response)["status"] as? String
                #expect(response.status == .ok)
                #expect(status == "confirmed")
            }
        }
    }

    @Test func ifMatchRefusesAStaleMoveButNotAHarmlessRetry() async throws {
        let world = try await World()
        let order = try await world.order(in: .pending)
        try await world.system.orderApp().test(.router) { client in
            let confirm = "/api/order/\(order.userId)/\(order.id)/confirm"
            let staff: HTTPFields = [.authorization: "Bearer \(world.staff.token)"]
            var stale = staff
            stale[.ifMatch] = #""7""#
            try await client.execute(uri: confirm, method: .post, headers: stale) { response in
                #expect(response.status == .preconditionFailed)
                let body = try object(response)
                #expect(body["type"] as? String == "urn:swift-commerce:problem:precondition-failed")
            }
            var current = staff
            current[.ifMatch] = #""1""#
            try await client.execute(uri: confirm, method: .post, headers: current) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.eTag] == #""2""#)
            }
            // The same request again: the order is already confirmed, so it is answered unchanged.
            try await client.execute(uri: confirm, method: .post, headers: current) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.eTag] == #""2""#, "unchanged")
            }
            var shipStale = staff
            shipStale[.ifMatch] = #""1""#
            try await client.execute(
                uri: "/api/order/\(order.userId)/\(order.id)/ship", method: .post, headers: shipStale
            ) {
                #expect($0.status == .preconditionFailed)
            }
        }
    }

    @Test func listsFilterByStatusAndOnlyStaffSeeEveryOrder() async throws {
        let world = try await World()
        let pending = try await world.order(in: .pending)
        let shipped = try await world.order(in: .shipped)
        let strangers = try await world.system.harness.orders.place(
            CommerceHarness.sampleOrder(), as: .user(world.stranger.user.id)
        ).order
        try await world.system.orderApp().test(.router) { client in
            /// The ids of a list `uri` answers to `token`.
            func ids(_ uri: String, _ token: String) async throws -> [String] {
                try await client.execute(uri: uri, method: .get, headers: bearer(token)) { response in
                    try array(response).compactMap { $0["id"] as? String }
                }
            }
            let ownList = "/api/order/\(world.owner.user.id)"
            let ownShipped = try await ids(ownList + "?status=shipped", world.owner.token)
            #expect(ownShipped == [shipped.id.description])
            let staffReadsAny = try await ids(ownList + "?status=pending", world.staff.token)
            #expect(staffReadsAny == [pending.id.description], "staff read any user's list")
            try await client.execute(uri: ownList + "?status=lost", method: .get, headers: bearer(world.owner.token)) {
                response in
                #expect(response.status == .badRequest)
                let errors = try object(response)["errors"] as? [[String: Any]]
                #expect(errors?.first?["field"] as? String == "status")
            }
            try await client.execute(uri: "/api/orders", method: .get, headers: bearer(world.owner.token)) {
                #expect($0.status == .forbidden, "a customer does not see every order")
            }
            let everyone = try await ids("/api/orders", world.staff.token)
            #expect(Set(everyone) == Set([pending, shipped, strangers].map(\.id.description)))
            let (link, count) = try await client.execute(
                uri: "/api/orders?limit=2", method: .get, headers: bearer(world.staff.token)
            ) { ($0.headers[.link], try array($0).count) }
            #expect(count == 2)
            #expect(link?.hasPrefix("</api/orders?limit=2&after=") == true)
            let onlyShipped = try await ids("/api/orders?status=shipped", world.staff.token)
            #expect(onlyShipped == [shipped.id.description])
        }
    }

    @Test func onlyTheOperatorSetsARoleAndANewTokenCarriesIt() async throws {
        let world = try await World()
        let ann = world.stranger
        try await world.system.userApp().test(.router) { client in
            let role = "/api/user/\(ann.user.id)/role"
            for token in [ann.token, world.staff.token] {
                try await client.execute(
                    uri: role, method: .put, headers: bearer(token), body: json(#"{"role":"staff"}"#)
                ) { #expect($0.status == .unauthorized, "a bearer token, of any role, cannot set a role") }
            }
            var key = jsonHeaders
            key[.apiKey] = "test-api-key-0123456789abcdefghijklmnop"  // TestSystem.apiKey
            try await client.execute(uri: role, method: .put, headers: key, body: json(#"{"role":"admin"}"#)) {
                response in
                #expect(response.status == .badRequest)
                let errors = try object(response)["errors"] as? [[String: Any]]
                #expect(errors?.first?["field"] as? String == "role")
            }
            try await client.execute(
                uri: "/api/user/\(UserID())/role", method: .put, headers: key, body: json(#"{"role":"staff"}"#)
            ) {
                #expect($0.status == .notFound)
            }
            try await client.execute(uri: role, method: .put, headers: key, body: json(#"{"role":"staff"}"#)) {
                response in
                #expect(response.status == .ok)
                let body = try object(response)
                #expect(body["role"] as? String == "staff")
            }
            try await client.execute(uri: "/api/user/\(ann.user.id)", method: .get, headers: bearer(ann.token)) {
                response in
                let body = try object(response)
                #expect(body["role"] as? String == "staff", "the user JSON shows the role to its owner")
            }
        }
        // The token from before the promotion is still a customer's (until it expires); a new login is staff.
        try await world.system.orderApp().test(.router) { client in
            try await client.execute(uri: "/api/orders", method: .get, headers: bearer(ann.token)) {
                #expect($0.status == .forbidden)
            }
            let fresh = try await world.system.harness.users.login(
                email: ann.user.email.value, password: "correct horse battery")
            try await client.execute(uri: "/api/orders", method: .get, headers: bearer(fresh.token)) {
                #expect($0.status == .ok)
            }
        }
    }
}
