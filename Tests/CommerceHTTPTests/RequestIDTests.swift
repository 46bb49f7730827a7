import AsyncHTTPClient
import CommerceCore
import CommerceHTTP
import CommerceStorage
import CommerceTestSupport
import CommerceTesting
import Foundation
import Logging
import NIOHTTP1
import Prometheus
import ServiceLifecycle
import Testing

/// One request id follows a deletion from the User service into the Order service's log, over real HTTP.
@Suite("Request ids across the services", .serialized)
final class RequestIDTests: Sendable {
    let client = HTTPClient.forPeers()
    let userPort: Int
    let orderPort: Int
    let orderLog = LogRecorder()
    let userMetrics = PrometheusCollectorRegistry()
    var userURL: String { "http://127.0.0.1:\(userPort)" }
    var orderURL: String { "http://127.0.0.1:\(orderPort)" }
    var live: LiveClient { LiveClient(client: client) }

    init() throws {
        userPort = try freePort()
        orderPort = try freePort()
    }

    /// Runs after every test, whatever it threw: a client dropped without a shutdown traps.
    deinit { try? client.syncShutdown() }

    func userApp() async throws -> any Service {
        var settings = TestSystem.settings(port: userPort)
        settings.metricsRegistry = userMetrics
        return try await userApplication(
            settings: settings, store: InMemoryUserStore(),
            orders: HTTPOrderServicePeer(client: client, baseURL: orderURL, apiKey: TestSystem.apiKey),
            propagation: .init(
                retry: RetryPolicy(
                    maxAttempts: nil, baseDelay: .milliseconds(20), maxDelay: .milliseconds(100),
                    attemptTimeout: .seconds(2), deadline: nil),
                prompt: RetryPolicy(
                    maxAttempts: 1, baseDelay: .zero, maxDelay: .zero, attemptTimeout: .seconds(2), deadline: nil),
                pollInterval: .milliseconds(20)))
    }

    /// The Order service, logging into ``orderLog``.
    func orderApp() async throws -> any Service {
        var settings = TestSystem.settings(port: orderPort)
        settings.logger = Logger(
            label: "order", factory: orderLog.handlers(metadataProvider: RequestID.metadataProvider))
        return try await orderApplication(
            settings: settings, store: InMemoryOrderStore(),
            users: HTTPUserServicePeer(client: client, baseURL: userURL, apiKey: TestSystem.apiKey))
    }

    /// The Order service's log line for the purge of `userId`, if there is one yet.
    func purgeLine(of userId: String) -> LogRecorder.Entry? {
        orderLog.entriesSoFar.first {
            $0.message == "request" && $0.metadata["method"] == "DELETE"
                && $0.metadata["path"] == "/api/order/\(userId)"
        }
    }

    @Test func theIdOfADeleteReachesTheOrderServicesLogForThePurge() async throws {
        try await withRunning([try await userApp(), try await orderApp()]) { [live, userURL, orderURL] in
            #expect(await live.waitUntilHealthy(userURL))
            #expect(await live.waitUntilHealthy(orderURL))
            let (id, token) = try await live.registerAndLogIn(userURL)
            let deleted = try await live.send(
                .DELETE, userURL + "/api/user/\(id)", token: token, headers: [("x-request-id", "trace-delete-42")])
            #expect(deleted.status == 200)
            #expect(deleted.json["orders"] as? String == "purged")
            #expect(deleted.headers["x-request-id"].first == "trace-delete-42", "the id is returned")
            let line = purgeLine(of: id)
            #expect(line?.metadata["requestId"] == "trace-delete-42")
            #expect(line?.metadata["status"] == "200")
        }
        #expect(
            userMetrics.emitToString().contains(#"commerce_peer_calls_total{peer="order-service",outcome="success"}"#))
    }

    @Test func theIdIsKeptWithAPendingDeletionAndUsedWhenItIsDeliveredLater() async throws {
        try await withRunning([try await userApp()]) { [live, userURL] in
            #expect(await live.waitUntilHealthy(userURL))
            let (id, token) = try await live.registerAndLogIn(userURL)
            // The Order service is not running: the deletion is recorded with its request id, pending.
            let deleted = try await live.send(
                .DELETE, userURL + "/api/user/\(id)", token: token, headers: [("x-request-id", "trace-later-7")])
            #expect(deleted.json["orders"] as? String == "pending")
            let retried = await eventually(timeout: .seconds(10), pollEvery: .milliseconds(20)) {
                userMetrics.emitToString().contains(#"commerce_peer_retries_total{peer="order-service"}"#)
            }
            #expect(retried, "the propagator retries while the Order service is down, and counts it")
            try await withRunning([try await orderApp()]) {
                let delivered = await eventually(timeout: .seconds(10), pollEvery: .milliseconds(20)) {
                    purgeLine(of: id) != nil
                }
                #expect(delivered)
                #expect(purgeLine(of: id)?.metadata["requestId"] == "trace-later-7")
            }
        }
        #expect(
            userMetrics.emitToString().contains(#"commerce_peer_calls_total{peer="order-service",outcome="failure"}"#))
    }

    @Test func aMalformedIdIsReplacedAndAMissingOneIsMadeUp() async throws {
        try await withRunning([try await orderApp()]) { [live, orderURL] in
            #expect(await live.waitUntilHealthy(orderURL))
            for sent in ["has spaces in it", String(repeating: "x", count: 129), "a;b=c", "naïve", ""] {
                let answer = try await live.send(
                    .GET, orderURL + "/health", headers: sent.isEmpty ? [] : [("x-request-id", sent)])
                let returned = answer.headers["x-request-id"].first ?? ""
                #expect(returned != sent && RequestID(returned) != nil && UUID(uuidString: returned) != nil)
            }
            let kept = try await live.send(
                .GET, orderURL + "/health", headers: [("x-request-id", "01HZY:edge/lb@1.2_3-4")])
            #expect(kept.headers["x-request-id"].first == "01HZY:edge/lb@1.2_3-4")
        }
    }
}
