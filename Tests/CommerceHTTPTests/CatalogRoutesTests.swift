import CommerceCore
import CommerceHTTP
import CommerceTestSupport
import CommerceTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The catalog and catalog pricing, the default: staff set prices, clients name products and quantities.
@Suite("Catalog")
struct CatalogRoutesTests {
    static func put(
        _ client: some TestClientProtocol, _ id: String, _ body: String, token: String?
    ) async throws -> (status: HTTPResponse.Status, body: [String: Any], location: String?) {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await client.execute(uri: "/api/product/\(id)", method: .put, headers: headers, body: json(body)) {
            ($0.status, try object($0), $0.headers[.location])
        }
    }

    static func place(_ client: some TestClientProtocol, _ token: String, _ body: String, key: String? = nil)
        async throws -> (status: HTTPResponse.Status, body: [String: Any], replayed: Bool)
    {
        var headers = bearer(token)
        if let key { headers[.idempotencyKey] = key }
        return try await client.execute(uri: "/api/order", method: .post, headers: headers, body: json(body)) {
            ($0.status, try object($0), $0.headers[.idempotentReplayed] == "true")
        }
    }

    @Test func staffPutProductsAndAnyoneReadsThem() async throws {
        let system = try await TestSystem(pricing: .catalog)
        let (_, staff) = try await system.harness.registerAndLogInStaff()
        let (_, customer) = try await system.harness.registerAndLogIn()
        try await system.orderApp().test(.router) { orders in
            let tea = #"{"name":"Green tea","price":4.99,"currency":"EUR"}"#
            let created = try await Self.put(orders, "tea-1", tea, token: staff)
            #expect(created.status == .created)
            #expect(created.location == "/api/product/tea-1")
            #expect(created.body["price"] as? Double == 4.99 && created.body["active"] as? Bool == true)
            let replaced = try await Self.put(
                orders, "tea-1", #"{"name":"Green tea","price":5.49,"active":false}"#, token: staff)
            #expect(replaced.status == .ok)
            #expect(replaced.body["currency"] as? String == "USD", "an absent currency is USD")
            #expect(try await Self.put(orders, "tea-1", tea, token: customer).status == .forbidden)
            #expect(try await Self.put(orders, "tea-1", tea, token: nil).status == .unauthorized)
            let bad = try await Self.put(orders, "cup", #"{"name":"","price":1.234,"currency":"eur"}"#, token: staff)
            #expect(bad.status == .badRequest)
            #expect(RevocationRoutesTests.fields(bad.body).sorted() == ["currency", "name", "price"])

            try await orders.execute(uri: "/api/product/tea-1", method: .get) { response in
                #expect(response.status == .ok)
                let product = try object(response)
                #expect(product["price"] as? Double == 5.49)
            }
            try await orders.execute(uri: "/api/product/nothing", method: .get) { #expect($0.status == .notFound) }
            for id in ["a", "b", "c"] { _ = try await Self.put(orders, id, tea, token: staff) }
            let first = try await orders.execute(uri: "/api/products?limit=2", method: .get) { response in
                (try array(response).compactMap { $0["id"] as? String }, response.headers[.link])
            }
            #expect(first.0 == ["a", "b"])
            #expect(first.1 == #"</api/products?limit=2&after=b>; rel="next""#)
            let active = try await orders.execute(uri: "/api/products?active=false", method: .get) {
                try array($0).compactMap { $0["id"] as? String }
            }
            #expect(active == ["tea-1"])
            try await orders.execute(uri: "/api/products?active=maybe", method: .get) {
                #expect($0.status == .badRequest)
            }
        }
    }

    /// `.` and `..` are dot-segments: curl, Python's requests and any proxy remove them from a path before
    /// sending it, so a product under either id could never be read, changed or ordered by URL again.
    @Test(arguments: [".", ".."])
    func aProductIdThatURLNormalisersRewriteIsRefused(_ id: String) async throws {
        let system = try await TestSystem(pricing: .catalog)
        let (_, staff) = try await system.harness.registerAndLogInStaff()
        try await system.orderApp().test(.router) { orders in
            let refused = try await Self.put(orders, id, #"{"name":"Dot","price":1}"#, token: staff)
            #expect(refused.status == .badRequest)
            #expect(RevocationRoutesTests.fields(refused.body) == ["productId"])
        }
        #expect(try await system.orderStore.product(id) == nil, "nothing stored")
    }

    @Test func theCatalogPricesEveryOrderAndAStaleCartIsRefusedWithTheNewPrices() async throws {
        let system = try await TestSystem(pricing: .catalog)
        let (_, staff) = try await system.harness.registerAndLogInStaff()
        let (ann, token) = try await system.harness.registerAndLogIn()
        try await system.orderApp().test(.router) { orders in
            _ = try await Self.put(orders, "tea", #"{"name":"Green tea","price":4.99}"#, token: staff)
            _ = try await Self.put(orders, "cup", #"{"name":"Cup","price":12.5}"#, token: staff)
            // A client name is ignored; a price, when sent, must be the catalog's.
            let placed = try await Self.place(
                orders, token,
                #"{"items":[{"productId":"tea","name":"Free tea","quantity":2,"price":4.99},{"productId":"cup","quantity":1}],"deliveryAddress":"1 Main St"}"#,
                key: "cart-1")
            #expect(placed.status == .created)
            let items = placed.body["items"] as? [[String: Any]]
            #expect(items?.compactMap { $0["name"] as? String } == ["Green tea", "Cup"])
            #expect(placed.body["total"] as? Double == 22.48)

            _ = try await Self.put(orders, "tea", #"{"name":"Green tea","price":5.99}"#, token: staff)
            let stale = try await Self.place(
                orders, token,
                #"{"items":[{"productId":"tea","quantity":1,"price":4.99}],"deliveryAddress":"1 Main St"}"#)
            #expect(stale.status == .conflict)
            #expect(stale.body["type"] as? String == "urn:swift-commerce:problem:price-changed")
            let prices = stale.body["prices"] as? [[String: Any]]
            #expect(prices?.first?["productId"] as? String == "tea" && prices?.first?["price"] as? Double == 5.99)

            let unknown = try await Self.place(
                orders, token,
                #"{"items":[{"productId":"tea","quantity":1},{"productId":"ghost","quantity":1}],"deliveryAddress":"1 Main St"}"#
            )
            #expect(unknown.status == .unprocessableContent)
            #expect(RevocationRoutesTests.fields(unknown.body) == ["items[1].productId"])

            // A retry of the first request after the price change answers the original order, unchanged.
            let retry = try await Self.place(
                orders, token,
                #"{"items":[{"productId":"tea","name":"Free tea","quantity":2,"price":4.99},{"productId":"cup","quantity":1}],"deliveryAddress":"1 Main St"}"#,
                key: "cart-1")
            #expect(retry.status == .created && retry.replayed)
            #expect(retry.body["total"] as? Double == 22.48)
            let stored = try await orders.execute(
                uri: "/api/order/\(ann.id)/\(placed.body["id"] as? String ?? "")", method: .get, headers: bearer(token)
            ) { try object($0)["total"] as? Double }
            #expect(stored == 22.48, "a later price change never alters a placed order")
        }
        #expect(try await system.orderStore.orders(of: ann.id, after: nil, limit: 10).count == 1)
    }
}
