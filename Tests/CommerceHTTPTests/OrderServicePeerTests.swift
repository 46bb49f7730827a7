import AsyncHTTPClient
import CommerceCore
import CommerceHTTP
import CommerceTestSupport
import CommerceTesting
import Foundation
import Hummingbird
import Synchronization
import Testing

/// The User service's HTTP view of the Order service, against stand-in servers that answer what a broken or
/// hostile Order service might: the API key goes to the configured origin and nowhere else.
@Suite("HTTP Order service peer", .serialized)
struct OrderServicePeerTests {
    static let apiKey = try! SigningSecret("peer-test-api-key-0123456789abcdefghijkl", field: "API_KEY")

    /// A server that answers every `GET /api/order/{id}` with an empty page and the `Link` header
    /// `link(path)` makes of the request's path and query, and counts what it was asked and with which key.
    final class StandIn: Sendable {
        let requests = Mutex<[(path: String, apiKey: String?)]>([])
        let link: @Sendable (String) -> String?

        init(link: @escaping @Sendable (String) -> String?) { self.link = link }

        func application(port: Int) -> some ApplicationProtocol {
            let router = Router()
            router.get("health") { _, _ in Response(status: .ok) }
            router.get("api/order/{id}") { request, _ -> Response in
                let path = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
                self.requests.withLock { $0.append((path, request.headers[.init("x-api-key")!])) }
                var headers: HTTPFields = [.contentType: "application/json"]
                if let link = self.link(path) { headers[.link] = link }
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: "[]")))
            }
            return Application(
                router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
                logger: TestSystem.quiet)
        }
    }

    @Test func aNextLinkToAnotherHostIsNotFollowedAndTheKeyGoesNowhereElse() async throws {
        let (orderPort, evilPort) = (try freePort(), try freePort())
        let evil = StandIn { _ in nil }
        let userId = UserID()
        let hostile = StandIn { _ in "<@127.0.0.1:\(evilPort)/api/order/\(userId)?limit=100>; rel=\"next\"" }
        try await withRunning([hostile.application(port: orderPort), evil.application(port: evilPort)]) {
            try await withHTTPClient { client in
                for port in [orderPort, evilPort] {
                    #expect(await LiveClient(client: client).waitUntilHealthy("http://127.0.0.1:\(port)"))
                }
                let peer = HTTPOrderServicePeer(
                    client: client, baseURL: "http://127.0.0.1:\(orderPort)", apiKey: Self.apiKey)
                await #expect(throws: CommerceError.self) { try await peer.orders(of: userId) }
            }
        }
        #expect(hostile.requests.withLock { $0.count } == 1, "the first page was read")
        #expect(evil.requests.withLock { $0.filter { $0.path.hasPrefix("/api/order") }.count } == 0, "no key elsewhere")
    }

    @Test func aNextLinkOfTheSameRouteIsFollowedWithTheKey() async throws {
        let port = try freePort()
        let userId = UserID()
        let paging = StandIn { path in
            path.contains("after=")
                ? nil : "</api/order/\(userId)?limit=100&after=1767225600000_\(OrderID())>; rel=\"next\""
        }
        try await withRunning([paging.application(port: port)]) {
            try await withHTTPClient { client in
                #expect(await LiveClient(client: client).waitUntilHealthy("http://127.0.0.1:\(port)"))
                let peer = HTTPOrderServicePeer(
                    client: client, baseURL: "http://127.0.0.1:\(port)", apiKey: Self.apiKey)
                let orders = try await peer.orders(of: userId)
                #expect(orders.isEmpty)
            }
        }
        let requests = paging.requests.withLock { $0 }
        #expect(requests.count == 2, "both pages read")
        #expect(requests.allSatisfy { $0.apiKey == String(decoding: Self.apiKey.bytes, as: UTF8.self) })
    }
}
