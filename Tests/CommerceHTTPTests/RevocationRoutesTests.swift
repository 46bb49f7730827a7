import CommerceCore
import CommerceHTTP
import CommerceTestSupport
import CommerceTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// Log out everywhere and password change: older access tokens refused by both services, other sessions
/// ended, the revocation carried to the Order service through the outbox.
@Suite("Revocation")
struct RevocationRoutesTests {
    static let order =
        #"{"items":[{"productId":"tea","name":"Tea","quantity":1,"price":2.5}],"deliveryAddress":"1 Main St"}"#

    /// The status of each request `token` makes to both services: read the user, list and place orders.
    static func statuses(
        _ token: String, of user: User, users: some TestClientProtocol, orders: some TestClientProtocol
    ) async throws -> [HTTPResponse.Status] {
        [
            try await users.execute(uri: "/api/user/\(user.id)", method: .get, headers: bearer(token)) { $0.status },
            try await orders.execute(uri: "/api/order/\(user.id)", method: .get, headers: bearer(token)) { $0.status },
            try await orders.execute(
                uri: "/api/order", method: .post, headers: bearer(token), body: json(Self.order)
            ) { $0.status },
        ]
    }

    static func logOutEverywhere(_ client: some TestClientProtocol, _ user: User, _ token: String) async throws
        -> HTTPResponse.Status
    {
        try await client.execute(uri: "/api/user/\(user.id)/sessions", method: .delete, headers: bearer(token)) {
            $0.status
        }
    }

    static func changePassword(
        _ client: some TestClientProtocol, _ user: User, _ token: String, current: String, new: String
    ) async throws -> (status: HTTPResponse.Status, body: [String: Any]) {
        try await client.execute(
            uri: "/api/user/\(user.id)/password", method: .put, headers: bearer(token),
            body: json(#"{"currentPassword":"\#(current)","newPassword":"\#(new)"}"#)
        ) { ($0.status, try object($0)) }
    }

    static func fields(_ body: [String: Any]) -> [String] {
        (body["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String } ?? []
    }

    /// A member of staff deletes themself: their token keeps no power in the Order service — not over
    /// another user's orders, not over the catalog — once the deletion reached it.
    @Test func aDeletedStaffMembersTokenIsRefusedOnEveryOrderRoute() async throws {
        let system = try await TestSystem()
        let (staff, staffToken) = try await system.harness.registerAndLogInStaff()
        let (customer, customerToken) = try await system.harness.registerAndLogIn()
        try await system.userApp().test(.router) { users in
            try await system.orderApp().test(.router) { orders in
                let placed = try await orders.execute(
                    uri: "/api/order", method: .post, headers: bearer(customerToken), body: json(Self.order)
                ) { try object($0)["id"] as? String ?? "" }
                let deleted = try await users.execute(
                    uri: "/api/user/\(staff.id)", method: .delete, headers: bearer(staffToken)
                ) { ($0.status, try object($0)["orders"] as? String) }
                #expect(deleted.0 == .ok && deleted.1 == "purged", "the deletion reached the Order service")
                let requests: [(String, HTTPRequest.Method, String?)] = [
                    ("/api/orders", .get, nil),
                    ("/api/order/\(customer.id)", .get, nil),
                    ("/api/order/\(customer.id)/\(placed)", .get, nil),
                    ("/api/order/\(customer.id)/\(placed)/confirm", .post, nil),
                    ("/api/product/tea", .put, #"{"name":"Tea","price":1}"#),
                ]
                for (uri, method, body) in requests {
                    let status = try await orders.execute(
                        uri: uri, method: method, headers: bearer(staffToken), body: body.map(json) ?? ByteBuffer()
                    ) { $0.status }
                    #expect(status == .unauthorized, "\(method) \(uri) answered \(status) to a deleted user's token")
                }
            }
        }
        let order = try await system.orderStore.orders(of: customer.id, after: nil, limit: 10).first
        #expect(order?.status == .pending, "nothing was moved")
    }

    @Test func loggingOutEverywhereRefusesOlderTokensInBothServicesAtOnce() async throws {
        let system = try await TestSystem()
        let (ann, here) = try await system.harness.registerAndSignIn()
        let there = try await system.harness.users.login(email: ann.email.value, password: "correct horse battery")
        let (bob, bobs) = try await system.harness.registerAndLogIn()
        try await system.userApp().test(.router) { users in
            try await system.orderApp().test(.router) { orders in
                #expect(
                    try await Self.statuses(here.token, of: ann, users: users, orders: orders) == [.ok, .ok, .created])
                #expect(try await Self.logOutEverywhere(users, ann, here.token) == .noContent)
                for token in [here.token, there.token] {
                    let after = try await Self.statuses(token, of: ann, users: users, orders: orders)
                    #expect(after == [.unauthorized, .unauthorized, .unauthorized], "an older token still works")
                }
                #expect(try await SessionRoutesTests.refresh(users, there.refreshToken).status == .unauthorized)
                #expect(try await system.orderStore.orders(of: ann.id, after: nil, limit: 10).count == 1)
                let again = try await SessionRoutesTests.logIn(users, ann.email.value)
                let fresh = try #require(again["token"] as? String)
                #expect(try await Self.statuses(fresh, of: ann, users: users, orders: orders) == [.ok, .ok, .created])
                #expect(try await Self.statuses(bobs, of: bob, users: users, orders: orders) == [.ok, .ok, .created])
            }
        }
    }

    /// The reads of a user (by id or email) since the store last forgot (the propagator polls beside them).
    static func userReads(_ store: ObservedUserStore) -> Int { store.calls.filter { $0 == "user" }.count }

    @Test func readingOnesOwnRecordIsOneReadThatAlsoJudgesTheToken() async throws {
        let store = ObservedUserStore()
        let system = try await TestSystem(userStore: store)
        let (ann, token) = try await system.harness.registerAndLogIn()
        let (staff, staffToken) = try await system.harness.registerAndLogInStaff()
        try await system.userApp().test(.router) { users in
            store.forget()
            let own = try await users.execute(uri: "/api/user/\(ann.id)", method: .get, headers: bearer(token)) {
                $0.status
            }
            #expect(own == .ok)
            #expect(Self.userReads(store) == 1, "the caller's own record is read once")
            store.forget()
            let other = try await users.execute(
                uri: "/api/user/\(ann.id)", method: .get, headers: bearer(staffToken)
            ) { $0.status }
            #expect(other == .ok)
            #expect(Self.userReads(store) == 2, "staff are authenticated, then the record is read")
            #expect(try await Self.logOutEverywhere(users, ann, token) == .noContent)
            let revoked = try await users.execute(uri: "/api/user/\(ann.id)", method: .get, headers: bearer(token)) {
                $0.status
            }
            #expect(revoked == .unauthorized, "the read that answers refuses a revoked token")
            #expect(try await Self.logOutEverywhere(users, staff, staffToken) == .noContent)
            let staffRevoked = try await users.execute(
                uri: "/api/user/\(ann.id)", method: .get, headers: bearer(staffToken)
            ) { $0.status }
            #expect(staffRevoked == .unauthorized)
        }
    }

    @Test func onlyTheUserThemselfLogsOutEverywhere() async throws {
        let system = try await TestSystem()
        let (ann, _) = try await system.harness.registerAndSignIn()
        let (_, bobs) = try await system.harness.registerAndLogIn()
        try await system.userApp().test(.router) { users in
            #expect(try await Self.logOutEverywhere(users, ann, bobs) == .forbidden)
            try await users.execute(uri: "/api/user/\(ann.id)/sessions", method: .delete) {
                #expect($0.status == .unauthorized)
            }
        }
        #expect(try await system.userStore.user(id: ann.id)?.tokensVoidBefore == nil, "someone else revoked Ann")
    }

    @Test func withTheOrderServiceDownTheRevocationWaitsInTheOutboxThenLands() async throws {
        let system = try await TestSystem()
        let (ann, signIn) = try await system.harness.registerAndSignIn()
        await system.orderPeer.plan.goDown()
        try await system.userApp().test(.router) { users in
            try await system.orderApp().test(.router) { orders in
                #expect(try await Self.logOutEverywhere(users, ann, signIn.token) == .noContent, "recorded, pending")
                let waiting = try await Self.statuses(signIn.token, of: ann, users: users, orders: orders)
                #expect(waiting[0] == .unauthorized, "the User service refuses at once")
                #expect(waiting[1] == .ok, "the Order service has not heard yet: the token's lifetime bounds this")
                #expect(try await system.userStore.pendingEvents(limit: 10).count == 1)

                await system.orderPeer.plan.heal()
                try await system.harness.withBackgroundServicesRunning {
                    let refused = await eventually {
                        (try? await orders.execute(
                            uri: "/api/order/\(ann.id)", method: .get, headers: bearer(signIn.token)
                        ) { $0.status }) == .unauthorized
                    }
                    #expect(refused, "the Order service refuses once the revocation is delivered")
                }
                #expect(try await system.userStore.pendingEvents(limit: 10).isEmpty)
            }
        }
    }

    @Test func aPasswordChangeAnswersANewPairAndVoidsEverythingElse() async throws {
        let system = try await TestSystem()
        let (ann, here) = try await system.harness.registerAndSignIn()
        let there = try await system.harness.users.login(email: ann.email.value, password: "correct horse battery")
        try await system.userApp().test(.router) { users in
            try await system.orderApp().test(.router) { orders in
                let changed = try await Self.changePassword(
                    users, ann, here.token, current: "correct horse battery", new: "new staple battery")
                #expect(changed.status == .ok)
                let token = try #require(changed.body["token"] as? String)
                let refresh = try #require(changed.body["refreshToken"] as? String)
                #expect(try await Self.statuses(token, of: ann, users: users, orders: orders) == [.ok, .ok, .created])
                for old in [here.token, there.token] {
                    let after = try await Self.statuses(old, of: ann, users: users, orders: orders)
                    #expect(after == [.unauthorized, .unauthorized, .unauthorized], "an older token still works")
                }
                #expect(try await SessionRoutesTests.refresh(users, there.refreshToken).status == .unauthorized)
                #expect(try await SessionRoutesTests.refresh(users, here.refreshToken).status == .unauthorized)
                #expect(try await SessionRoutesTests.refresh(users, refresh).status == .ok, "the caller's new session")
            }
        }
        await #expect(throws: CommerceError.self) {
            try await system.harness.users.login(email: ann.email.value, password: "correct horse battery")
        }
        _ = try await system.harness.users.login(email: ann.email.value, password: "new staple battery")
    }

    @Test func aWrongCurrentPasswordIsAFieldErrorAndCountsTowardTheThrottle() async throws {
        let system = try await TestSystem()
        let (ann, signIn) = try await system.harness.registerAndSignIn()
        let (_, bobs) = try await system.harness.registerAndLogIn()
        try await system.userApp().test(.router) { users in
            let short = try await Self.changePassword(
                users, ann, signIn.token, current: "", new: "short")
            #expect(short.status == .badRequest)
            #expect(Self.fields(short.body).sorted() == ["currentPassword", "newPassword"])
            let others = try await Self.changePassword(
                users, ann, bobs, current: "correct horse battery", new: "new staple battery")
            #expect(others.status == .forbidden)

            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<6 {
                let wrong = try await Self.changePassword(
                    users, ann, signIn.token, current: "not the password", new: "new staple battery")
                statuses.append(wrong.status)
                if wrong.status == .badRequest { #expect(Self.fields(wrong.body) == ["currentPassword"]) }
            }
            #expect(statuses == Array(repeating: .badRequest, count: 5) + [.tooManyRequests])
            let login = try await users.execute(
                uri: "/api/user/login", method: .post, headers: jsonHeaders,
                body: json(#"{"email":"\#(ann.email.value)","password":"correct horse battery"}"#)
            ) { $0.status }
            #expect(login == .tooManyRequests, "the failures count toward the login throttle")
        }
        #expect(try await system.userStore.user(id: ann.id)?.tokensVoidBefore == nil, "nothing was revoked")
    }

    @Test func theInternalRevocationRouteKeepsTheLaterMark() async throws {
        let system = try await TestSystem()
        let internalKey = String(decoding: TestSystem.apiKey.bytes, as: UTF8.self)
        let userId = UserID()
        try await system.orderApp().test(.router) { orders in
            func put(_ body: String, authorized: Bool = true) async throws -> (HTTPResponse.Status, [String: Any]) {
                var headers = jsonHeaders
                if authorized { headers[.apiKey] = internalKey }
                return try await orders.execute(
                    uri: "/api/order/\(userId)/token-revocation", method: .put, headers: headers, body: json(body)
                ) { ($0.status, try object($0)) }
            }
            #expect(
                try await put(#"{"issuedBefore":"2026-01-01T00:00:00.000Z"}"#, authorized: false).0 == .unauthorized)
            let bad = try await put(#"{"issuedBefore":"yesterday"}"#)
            #expect(bad.0 == .badRequest)
            #expect(Self.fields(bad.1) == ["issuedBefore"])
            let later = try await put(#"{"issuedBefore":"2026-01-02T00:00:00.500Z"}"#)
            #expect(later.0 == .ok)
            #expect(later.1["issuedBefore"] as? String == "2026-01-02T00:00:00.500Z")
            let older = try await put(#"{"issuedBefore":"2026-01-01T00:00:00.000Z"}"#)
            #expect(older.1["issuedBefore"] as? String == "2026-01-02T00:00:00.500Z", "a late, older mark is ignored")
        }
        let stored = try await system.orderStore.tokensVoidBefore(of: userId)
        #expect(stored == Date(millisecondsSince1970: 1_767_312_000_500))
    }

    @Test func noTokenOrPasswordReachesALogLine() async throws {
        let recorder = LogRecorder()
        var settings = TestSystem.settings()
        settings.logger = Logger(label: "revocation", factory: recorder.handler)
        let system = try await TestSystem(userSettings: settings, orderSettings: settings)
        let (ann, signIn) = try await system.harness.registerAndSignIn()
        let seen = try await system.userApp().test(.router) { users in
            let changed = try await Self.changePassword(
                users, ann, signIn.token, current: "correct horse battery", new: "new staple battery")
            let token = try #require(changed.body["token"] as? String)
            #expect(try await Self.logOutEverywhere(users, ann, token) == .noContent)
            return [signIn.token, signIn.refreshToken, token, try #require(changed.body["refreshToken"] as? String)]
        }
        let lines = recorder.entriesSoFar.map(\.text)
        #expect(lines.contains { $0.contains("password changed") })
        #expect(lines.contains { $0.contains("token revocation propagated") })
        for secret in seen + ["correct horse battery", "new staple battery"] {
            #expect(!lines.contains { $0.contains(secret) }, "a credential was logged")
        }
    }
}
