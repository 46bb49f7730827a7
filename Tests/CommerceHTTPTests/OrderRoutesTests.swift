import CommerceCore
import CommerceHTTP
import CommerceStorage
import CommerceTestSupport
import CommerceTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Order service routes (in-process)")
struct OrderRoutesTests {
    static let order =
        #"{"items":[{"productId":"tea","name":"Green tea","quantity":3,"price":19.99}],"deliveryAddress":"1 Main St"}"#

    /// A token for a user registered straight in the shared user store.
    static func user(in system: TestSystem) async throws -> (id: String, token: String) {
        let harness = try await CommerceHarness(userStore: system.userStore)
        let (user, token) = try await harness.registerAndLogIn()
        return (user.id.description, token)
    }

    @Test func placingAnswers201WithServerOwnedFields() async throws {
        let system = try await TestSystem()
        let ann = try await Self.user(in: system)
        try await system.orderApp().test(.router) { client in
            let body =
                #"{"items":[{"productId":"tea","name":"Green tea","quantity":3,"price":19.99}],"deliveryAddress":"1 Main St","status":"shipped","total":0.01,"userId":"\#(UUID())","id":"x"}"#
            try await client.execute(uri: "/api/order", method: .post, headers: bearer(ann.token), body: json(body)) {
                response in
                #expect(response.status == .created)
                let order = try object(response)
                let id = try #require(order["id"] as? String)
                #expect(response.headers[.location] == "/api/order/\(ann.id)/\(id)", "the new order's own URL")
                #expect(response.headers[.eTag] == #""1""#)
                let history = try #require(order["history"] as? [[String: Any]])
                #expect(history.count == 1 && history.first?["status"] as? String == "pending")
                #expect(history.first?["by"] as? String == "customer")
                #expect(order["status"] as? String == "pending")
                #expect(order["userId"] as? String == ann.id)
                #expect(order["currency"] as? String == "USD")
                #expect(String(buffer: response.body).contains(#""total":59.97"#), "exact decimal total")
                #expect(String(buffer: response.body).contains(#""price":19.99"#))
            }
        }
    }

    @Test func placingNeedsAValidTokenAndBody() async throws {
        let system = try await TestSystem()
        let ann = try await Self.user(in: system)
        try await system.orderApp().test(.router) { client in
            try await client.execute(uri: "/api/order", method: .post, headers: jsonHeaders, body: json(Self.order)) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(
                uri: "/api/order", method: .post, headers: bearer(ann.token),
                body: json(#"{"items":[{"productId":"","quantity":1.5,"price":1}],"deliveryAddress":""}"#)
            ) { #expect($0.status == .badRequest) }
            try await client.execute(
                uri: "/api/order", method: .post, headers: bearer(ann.token),
                body: json(
                    #"{"items":[{"productId":"p","name":"n","quantity":1,"price":1.001}],"deliveryAddress":"a","currency":"usd"}"#
                )
            ) { response in
                #expect(response.status == .badRequest)
                let fields = (try object(response)["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String }
                #expect(fields == ["items[0].price", "currency"])
            }
        }
    }

    @Test func aDeletedUsersTokenIs401() async throws {
        let system = try await TestSystem()
        let ann = try await Self.user(in: system)
        _ = try await system.userStore.delete(UserID(ann.id)!, at: Date())
        try await system.orderApp().test(.router) { client in
            try await client.execute(
                uri: "/api/order", method: .post, headers: bearer(ann.token), body: json(Self.order)
            ) {
                #expect($0.status == .unauthorized)
            }
        }
    }

    @Test func theUserServiceDownIs503() async throws {
        let system = try await TestSystem()
        let ann = try await Self.user(in: system)
        await system.userPeer.plan.goDown()
        try await system.orderApp().test(.router) { client in
            try await client.execute(
                uri: "/api/order", method: .post, headers: bearer(ann.token), body: json(Self.order)
            ) {
                #expect($0.status == .serviceUnavailable)
                #expect($0.headers[.contentType] == "application/problem+json")
            }
        }
        #expect(try await system.orderStore.orders(of: UserID(ann.id)!, after: nil, limit: 10).isEmpty)
    }

    @Test func idempotencyKeysReplayOrRefuse() async throws {
        let system = try await TestSystem()
        let ann = try await Self.user(in: system)
        try await system.orderApp().test(.router) { client in
            var headers = bearer(ann.token)
            headers[.idempotencyKey] = "order-1"
            let first = try await client.execute(
                uri: "/api/order", method: .post, headers: headers, body: json(Self.order)
            ) {
                #expect($0.status == .created)
                return try object($0)["id"] as? String
            }
            try await client.execute(uri: "/api/order", method: .post, headers: headers, body: json(Self.order)) {
                #expect($0.status == .created)
                #expect($0.headers[.idempotentReplayed] == "true")
                let parsed = try object($0)
                #expect(parsed["id"] as? String == first)
            }
            let other = Self.order.replacingOccurrences(of: "\"quantity\":3", with: "\"quantity\":4")
            try await client.execute(uri: "/api/order", method: .post, headers: headers, body: json(other)) {
                #expect($0.status == .unprocessableContent)
            }
        }
    }

    @Test func aRepeatWhileTheFirstIsRunningIs409() async throws {
        let system = try await TestSystem()
        let ann = try await Self.user(in: system)
        // The first request's user check hangs until its 1 s attempt timeout, then is retried and succeeds.
        await system.userPeer.plan.failNext(1, with: .hang)
        try await system.orderApp().test(.router) { client in
            var headers = bearer(ann.token)
            headers[.idempotencyKey] = "slow-order"
            async let first = client.execute(uri: "/api/order", method: .post, headers: headers, body: json(Self.order))
            {
                $0.status
            }
            #expect(await eventually { await system.userPeer.plan.calls >= 1 })
            try await client.execute(uri: "/api/order", method: .post, headers: headers, body: json(Self.order)) {
                #expect($0.status == .conflict)
                #expect($0.headers[.contentType] == "application/problem+json")
            }
            #expect(try await first == .created)
        }
    }

    @Test func listingPagesWithLinkAndIsForYourselfOnly() async throws {
        let system = try await TestSystem()
        let ann = try await Self.user(in: system)
        let bob = try await Self.user(in: system)
        try await system.orderApp().test(.router) { client in
            try await client.execute(uri: "/api/order/\(ann.id)", method: .get, headers: bearer(ann.token)) {
                #expect($0.status == .ok)
                #expect(String(buffer: $0.body) == "[]")
            }
            for _ in 0..<3 {
                try await client.execute(
                    uri: "/api/order", method: .post, headers: bearer(ann.token), body: json(Self.order)
                ) { _ in }
            }
            let next = try await client.execute(
                uri: "/api/order/\(ann.id)?limit=2", method: .get, headers: bearer(ann.token)
            ) {
                let parsed = try array($0)
                #expect(parsed.count == 2)
                return try #require($0.headers[.link])
            }
            #expect(next.hasSuffix(#">; rel="next""#))
            let path = String(next.dropFirst().prefix { $0 != ">" })
            try await client.execute(uri: path, method: .get, headers: bearer(ann.token)) {
                let parsed = try array($0)
                #expect(parsed.count == 1)
                #expect($0.headers[.link] == nil)
            }
            try await client.execute(uri: "/api/order/\(ann.id)", method: .get, headers: bearer(bob.token)) {
                #expect($0.status == .forbidden)
            }
            for query in ["limit=abc", "limit=0", "limit=101", "after=garbage"] {
                try await client.execute(uri: "/api/order/\(ann.id)?\(query)", method: .get, headers: bearer(ann.token))
                {
                    #expect($0.status == .badRequest, "\(query)")
                }
            }
        }
    }

    @Test func purgingNeedsTheAPIKey() async throws {
        let system = try await TestSystem()
        let ann = try await Self.user(in: system)
        let key = String(decoding: TestSystem.apiKey.bytes, as: UTF8.self)
        try await system.orderApp().test(.router) { client in
            try await client.execute(
                uri: "/api/order", method: .post, headers: bearer(ann.token), body: json(Self.order)
            ) { _ in }
            try await client.execute(uri: "/api/order/\(ann.id)", method: .delete, headers: bearer(ann.token)) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(uri: "/api/order/\(ann.id)", method: .delete, headers: [.apiKey: key + "x"]) {
                #expect($0.status == .unauthorized)
            }
            #expect(try await system.orderStore.orders(of: UserID(ann.id)!, after: nil, limit: 10).count == 1)
            for deleted in [1, 0] {
                try await client.execute(uri: "/api/order/\(ann.id)", method: .delete, headers: [.apiKey: key]) {
                    #expect($0.status == .ok)
                    let parsed = try object($0)
                    #expect(parsed["deleted"] as? Int == deleted)
                    #expect(parsed["userId"] as? String == ann.id)
                }
            }
        }
    }
}
