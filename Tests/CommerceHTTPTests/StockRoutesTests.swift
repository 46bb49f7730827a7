import CommerceCore
import CommerceHTTP
import CommerceTestSupport
import CommerceTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Stock over HTTP: staff set and change it, placements take it, a shortfall names every short line, a
/// cancel puts it back.
@Suite("Stock")
struct StockRoutesTests {
    static func change(_ client: some TestClientProtocol, _ id: String, _ body: String, token: String) async throws
        -> (status: HTTPResponse.Status, body: [String: Any])
    {
        var headers = bearer(token)
        headers[.contentType] = "application/json"
        return try await client.execute(
            uri: "/api/product/\(id)/stock", method: .post, headers: headers, body: json(body)
        ) {
            ($0.status, try object($0))
        }
    }

    static func ids(_ client: some TestClientProtocol, _ query: String) async throws -> [String] {
        try await client.execute(uri: "/api/products?\(query)", method: .get) { response in
            #expect(response.status == .ok)
            return try array(response).compactMap { $0["id"] as? String }
        }
    }

    @Test func staffSetAndChangeTheStockAndTheCatalogFiltersByIt() async throws {
        let system = try await TestSystem(pricing: .catalog)
        let (_, staff) = try await system.harness.registerAndLogInStaff()
        let (_, customer) = try await system.harness.registerAndLogIn()
        try await system.orderApp().test(.router) { orders in
            let mug = try await CatalogRoutesTests.put(
                orders, "mug", #"{"name":"Mug","price":8,"stock":3}"#, token: staff)
            #expect(mug.status == .created && mug.body["stock"] as? Int == 3)
            let pen = try await CatalogRoutesTests.put(orders, "pen", #"{"name":"Pen","price":1}"#, token: staff)
            #expect(pen.body.keys.contains("stock") && pen.body["stock"] is NSNull, "an untracked stock is null")
            let negative = try await CatalogRoutesTests.put(
                orders, "cup", #"{"name":"Cup","price":2,"stock":-1}"#, token: staff)
            #expect(negative.status == .badRequest && RevocationRoutesTests.fields(negative.body) == ["stock"])

            let received = try await Self.change(orders, "mug", #"{"change":4,"reason":"delivery 17"}"#, token: staff)
            #expect(received.status == .ok && received.body["stock"] as? Int == 7)
            let tooMany = try await Self.change(orders, "mug", #"{"change":-8}"#, token: staff)
            #expect(tooMany.status == .conflict)
            #expect((tooMany.body["type"] as? String)?.hasSuffix(":insufficient-stock") == true)
            let untracked = try await Self.change(orders, "pen", #"{"change":1}"#, token: staff)
            #expect(untracked.status == .conflict)
            let counted = try await Self.change(orders, "mug", #"{"change":0,"reason":"count"}"#, token: staff)
            #expect(counted.status == .ok && counted.body["stock"] as? Int == 7, "a count that found 7 keeps 7")
            let tooFar = try await Self.change(orders, "mug", #"{"change":1000000001}"#, token: staff)
            #expect(tooFar.status == .badRequest && RevocationRoutesTests.fields(tooFar.body) == ["change"])
            #expect(try await Self.change(orders, "mug", #"{"change":1}"#, token: customer).status == .forbidden)
            #expect(try await Self.change(orders, "nothing", #"{"change":1}"#, token: staff).status == .notFound)

            #expect(try await Self.change(orders, "mug", #"{"change":-7}"#, token: staff).body["stock"] as? Int == 0)
            // By id: the sold-out mug, then the untracked pen and the seeded catalog's untracked products.
            #expect(try await Self.ids(orders, "inStock=true&limit=2") == ["pen", "sku-0"])
            #expect(try await Self.ids(orders, "inStock=false") == ["mug"])
            try await orders.execute(uri: "/api/products?inStock=maybe", method: .get) {
                #expect($0.status == .badRequest)
            }
        }
    }

    @Test func aShortfallNamesEveryShortLineAndACancelPutsTheStockBack() async throws {
        let system = try await TestSystem(pricing: .catalog)
        try await system.harness.setStock(of: "sku-0", to: 2)
        try await system.harness.setStock(of: "sku-1", to: 1)
        let (user, token) = try await system.harness.registerAndLogIn()
        try await system.orderApp().test(.router) { orders in
            let tooMany = try await CatalogRoutesTests.place(
                orders, token,
                #"{"items":[{"productId":"sku-0","quantity":2},{"productId":"sku-1","quantity":1},{"productId":"sku-0","quantity":1},{"productId":"sku-1","quantity":1}],"deliveryAddress":"1 Main St"}"#
            )
            #expect(tooMany.status == .conflict)
            #expect((tooMany.body["type"] as? String)?.hasSuffix(":out-of-stock") == true)
            let lines = (tooMany.body["lines"] as? [[String: Any]] ?? []).map {
                "\($0["productId"] ?? "?") \($0["requested"] ?? "?")/\($0["available"] ?? "?")"
            }
            #expect(lines == ["sku-0 3/2", "sku-1 2/1"])

            let body = #"{"items":[{"productId":"sku-0","quantity":2}],"deliveryAddress":"1 Main St"}"#
            let placed = try await CatalogRoutesTests.place(orders, token, body, key: "once")
            #expect(placed.status == .created)
            let replayed = try await CatalogRoutesTests.place(orders, token, body, key: "once")
            #expect(replayed.replayed, "the replay answers the first order")
            #expect(try await system.orderStore.product("sku-0")?.stock == 0, "the replay took nothing again")
            let again = try await CatalogRoutesTests.place(orders, token, body)
            #expect((again.body["type"] as? String)?.hasSuffix(":out-of-stock") == true)

            let orderId = try #require(placed.body["id"] as? String)
            try await orders.execute(
                uri: "/api/order/\(user.id)/\(orderId)/cancel", method: .post, headers: bearer(token)
            ) { #expect($0.status == .ok) }
            #expect(try await system.orderStore.product("sku-0")?.stock == 2, "the cancel put the units back")
        }
    }
}
