import CommerceCore
import CommerceHTTP
import CommerceTestSupport
import CommerceTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Staff's webhook routes: a subscription's secret is shown once, its deliveries can be read and retried.
@Suite("Webhook routes")
struct WebhookRoutesTests {
    static func send(
        _ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, token: String,
        body: String? = nil
    ) async throws -> (status: HTTPResponse.Status, body: Any?, headers: HTTPFields) {
        var headers = bearer(token)
        if body != nil { headers[.contentType] = "application/json" }
        return try await client.execute(uri: uri, method: method, headers: headers, body: body.map(json)) {
            ($0.status, try? JSONSerialization.jsonObject(with: Data($0.body.readableBytesView)), $0.headers)
        }
    }

    @Test func staffSubscribeOnceSeeTheSecretAndReadWhatWasDelivered() async throws {
        let system = try await TestSystem(pricing: .catalog)
        let (_, staff) = try await system.harness.registerAndLogInStaff()
        let (_, customer) = try await system.harness.registerAndLogIn()
        try await system.orderApp().test(.router) { orders in
            let body = #"{"url":"https://hooks.example.com/orders?shop=1","events":["order.placed","order.placed"]}"#
            let created = try await Self.send(orders, .post, "/api/webhooks", token: staff, body: body)
            #expect(created.status == .created)
            let subscription = try #require(created.body as? [String: Any])
            let id = try #require(subscription["id"] as? String)
            #expect((subscription["secret"] as? String)?.hasPrefix("whsec_") == true)
            #expect((subscription["secret"] as? String)?.count == 49, "whsec_ and 43 characters of base64url")
            #expect(subscription["events"] as? [String] == ["order.placed"])
            #expect(created.headers[.location] == "/api/webhooks/\(id)")

            let read = try await Self.send(orders, .get, "/api/webhooks/\(id)", token: staff)
            #expect(read.status == .ok && (read.body as? [String: Any])?["secret"] == nil, "the secret never again")
            let listed = try await Self.send(orders, .get, "/api/webhooks", token: staff)
            #expect((listed.body as? [[String: Any]])?.compactMap { $0["secret"] }.isEmpty == true)
            #expect(try await Self.send(orders, .get, "/api/webhooks", token: customer).status == .forbidden)
            #expect(
                try await Self.send(orders, .post, "/api/webhooks", token: customer, body: body).status == .forbidden)

            // The endpoint is down (the app's dispatcher runs), so the delivery stays pending.
            await system.harness.webhooks.goDown("https://hooks.example.com/orders?shop=1")
            let placed = try await CatalogRoutesTests.place(
                orders, customer, #"{"items":[{"productId":"sku-0","quantity":1}],"deliveryAddress":"1 Main St"}"#)
            #expect(placed.status == .created)
            let deliveries = try await Self.send(orders, .get, "/api/webhooks/\(id)/deliveries", token: staff)
            let first = try #require((deliveries.body as? [[String: Any]])?.first)
            #expect(first["type"] as? String == "order.placed" && first["status"] as? String == "pending")
            #expect(first["orderId"] as? String == placed.body["id"] as? String)
            let delivery = try #require(first["id"] as? String)
            let retried = try await Self.send(
                orders, .post, "/api/webhooks/\(id)/deliveries/\(delivery)/retry", token: staff)
            #expect(retried.status == .accepted)
            let after = try await Self.send(orders, .get, "/api/webhooks/\(id)/deliveries", token: staff)
            #expect(
                (after.body as? [[String: Any]])?.first?["status"] as? String == "pending",
                "a pending delivery stays pending")
            let unknown = try await Self.send(
                orders, .post, "/api/webhooks/\(id)/deliveries/\(UUID())/retry", token: staff)
            #expect(unknown.status == .notFound)

            #expect(try await Self.send(orders, .delete, "/api/webhooks/\(id)", token: staff).status == .noContent)
            #expect(try await Self.send(orders, .get, "/api/webhooks/\(id)", token: staff).status == .notFound)
        }
    }

    @Test func staffPageThroughSubscriptionsByTheLinkAndABadLimitNamesTheServicesMaximum() async throws {
        let system = try await TestSystem(pricing: .catalog)
        let (_, staff) = try await system.harness.registerAndLogInStaff()
        try await system.orderApp().test(.router) { orders in
            var made: Set<String> = []
            for shop in 1...3 {
                let body = #"{"url":"https://hooks.example.com/\#(shop)","events":["order.placed"]}"#
                let created = try await Self.send(orders, .post, "/api/webhooks", token: staff, body: body)
                made.insert(try #require((created.body as? [String: Any])?["id"] as? String))
            }
            var seen: [String] = []
            var next: String? = "/api/webhooks?limit=2"
            while let uri = next {
                let page = try await Self.send(orders, .get, uri, token: staff)
                let ids = try #require(page.body as? [[String: Any]]).compactMap { $0["id"] as? String }
                #expect(ids.count <= 2)
                seen += ids
                // `<target>; rel="next"`: the target alone.
                next = page.headers[.link].map { String($0.dropFirst().prefix { $0 != ">" }) }
                if let next { #expect(next.hasPrefix("/api/webhooks?limit=2&after="), "\(next)") }
                guard seen.count <= made.count else {
                    Issue.record("the Link leads past the last page")
                    break
                }
            }
            #expect(seen.count == made.count && Set(seen) == made, "every subscription once, in pages")

            let bad = try await Self.send(orders, .get, "/api/webhooks?limit=many", token: staff)
            #expect(bad.status == .badRequest)
            let error = ((bad.body as? [String: Any])?["errors"] as? [[String: Any]])?.first
            #expect(error?["field"] as? String == "limit")
            let maximum = system.harness.orderService.orders.configuration.maximumPageSize
            #expect(error?["message"] as? String == "must be a whole number from 1 to \(maximum)")
        }
    }

    @Test func aBadSubscriptionNamesEveryFieldAtFault() async throws {
        let system = try await TestSystem(pricing: .catalog)
        let (_, staff) = try await system.harness.registerAndLogInStaff()
        try await system.orderApp().test(.router) { orders in
            for (body, fields) in [
                (#"{"url":"ftp://example.com","events":["order.shipped"]}"#, ["url"]),
                (#"{"url":"https://user:secret@example.com/","events":["order.shipped"]}"#, ["url"]),
                (#"{"url":"https://example.com/#x","events":[]}"#, ["events", "url"]),
                (#"{"url":"https://example.com/","events":["order.lost"]}"#, ["events[0]"]),
            ] {
                let answer = try await Self.send(orders, .post, "/api/webhooks", token: staff, body: body)
                #expect(answer.status == .badRequest, "\(body)")
                let named = ((answer.body as? [String: Any])?["errors"] as? [[String: Any]])?
                    .compactMap { $0["field"] as? String }.sorted()
                #expect(named == fields, "\(body)")
            }
        }
    }
}

extension WebhookRoutesTests {
    /// The server refuses exactly the subscription URLs the document's pattern refuses.
    @Test func theDocumentsURLPatternIsTheServers() throws {
        let line = try #require(
            OpenAPIDocument.orderService.yaml.split(separator: "\n").first {
                $0.contains("pattern: \"^[Hh][Tt][Tt][Pp][Ss]?://")
            })
        let quoted = line.split(separator: "\"", maxSplits: 1)[1].dropLast()
        #expect(quoted.replacingOccurrences(of: #"\\"#, with: #"\"#) == OrderService.webhookURLPattern)
    }
}
