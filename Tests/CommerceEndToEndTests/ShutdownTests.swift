import AsyncHTTPClient
import CommerceHTTP
import CommerceTestSupport
import CommerceTesting
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// A real `commerce-server` process stopped with SIGTERM while a request is in flight.
@Suite("Graceful shutdown of a real process", .serialized)
final class ShutdownTests {
    /// Fails at once on a refused connection (a default client keeps trying to connect for 10 s).
    let client = HTTPClient.forPeers()
    let directory: URL
    let server: ServerProcess
    var live: LiveClient { LiveClient(client: client) }

    init() throws {
        directory = try temporaryDirectory()
        server = ServerProcess(
            mode: "user", port: try freePort(), dataDirectory: directory,
            environment: [
                "LOG_FORMAT": "json", "LOG_LEVEL": "info", "SHUTDOWN_GRACE_SECONDS": "20",
                "ORDER_SERVICE_URL": "http://127.0.0.1:\(try freePort())",
            ])
    }

    deinit {
        server.kill()
        try? client.syncShutdown()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Sends a registration whose body arrives in two parts: the second only when `release` is resumed.
    static func slowRegistration(
        client: HTTPClient, url: String, email: String, release: AsyncStream<Void>
    ) async throws -> Int {
        let body = #"{"username":"Slow","email":"\#(email)","password":"correct horse battery"}"#
        let (first, rest) = (body.prefix(20), body.dropFirst(20))
        let parts = AsyncStream<ByteBuffer> { continuation in
            continuation.yield(ByteBuffer(string: String(first)))
            Task {
                for await _ in release { break }
                continuation.yield(ByteBuffer(string: String(rest)))
                continuation.finish()
            }
        }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.body = .stream(parts, length: .known(Int64(body.utf8.count)))
        return Int(try await client.execute(request, timeout: .seconds(30)).status.code)
    }

    @Test func sigtermLetsTheRequestInFlightFinishThenExitsZero() async throws {
        try server.start()
        #expect(await live.waitUntilHealthy(server.baseURL), "\(server.logTail())")
        let (release, releasing) = AsyncStream<Void>.makeStream()
        let email = "slow-\(UUID().uuidString.prefix(8))@example.com"
        let (client, url) = (client, server.baseURL + "/api/user")
        async let registration = Self.slowRegistration(client: client, url: url, email: email, release: release)

        // The request is in flight once the server counts it (its head arrived; its body has not).
        let inFlight = await eventually(timeout: .seconds(10), pollEvery: .milliseconds(20)) {
            let metrics = try? await live.send(.GET, server.baseURL + "/metrics")
            return String(decoding: metrics?.body ?? Data(), as: UTF8.self)
                .contains(#"commerce_http_requests_in_flight{method="POST"} 1"#)
        }
        #expect(inFlight)

        server.terminate()
        let stoppedAccepting = await eventually(timeout: .seconds(10), pollEvery: .milliseconds(20)) {
            (try? await live.send(.GET, server.baseURL + "/health")) == nil
        }
        #expect(stoppedAccepting, "new connections are refused once SIGTERM arrives")

        releasing.yield()
        releasing.finish()
        #expect(try await registration == 201, "the request in flight finished")
        #expect(await server.exitStatus(within: .seconds(15)) == 0)

        // JSON lines, one object each, ending with an orderly stop; no secret anywhere.
        let log = try String(contentsOf: server.logFile, encoding: .utf8)
        let lines = log.split(separator: "\n").map(String.init)
        let objects = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(!lines.isEmpty && objects.count == lines.count, "every line is one JSON object")
        let messages = objects.compactMap { $0["message"] as? String }
        let registered = objects.first { $0["message"] as? String == "request" && $0["method"] as? String == "POST" }
        #expect(registered?["status"] as? String == "201")
        #expect(registered?["requestId"] != nil)
        for expected in ["outbox propagator stopped", "databases closed", "stopped"] {
            #expect(messages.contains(expected), "logged: \(expected)")
        }
        for secret in [ServerProcess.jwtSecret, ServerProcess.apiKey, "correct horse battery"] {
            #expect(!log.contains(secret))
        }
    }

    @Test func aRequestOutlivingTheGracePeriodIsCutAndTheProcessStillStops() async throws {
        let impatient = ServerProcess(
            mode: "user", port: try freePort(), dataDirectory: directory,
            environment: ["SHUTDOWN_GRACE_SECONDS": "1", "ORDER_SERVICE_URL": "http://127.0.0.1:\(try freePort())"])
        defer { impatient.kill() }
        try impatient.start()
        #expect(await live.waitUntilHealthy(impatient.baseURL), "\(impatient.logTail())")
        let (release, releasing) = AsyncStream<Void>.makeStream()
        let (client, url) = (client, impatient.baseURL + "/api/user")
        async let registration = Self.slowRegistration(
            client: client, url: url, email: "never@example.com", release: release)
        #expect(
            await eventually(timeout: .seconds(10), pollEvery: .milliseconds(20)) {
                let metrics = try? await live.send(.GET, impatient.baseURL + "/metrics")
                return String(decoding: metrics?.body ?? Data(), as: UTF8.self)
                    .contains(#"commerce_http_requests_in_flight{method="POST"} 1"#)
            })
        let start = ContinuousClock.now
        impatient.terminate()
        // The body never comes: after the 1 s grace period the request is cancelled and the process ends.
        #expect(await impatient.exitStatus(within: .seconds(15)) == 0)
        #expect(ContinuousClock.now - start < .seconds(10))
        #expect((try? await registration) == nil, "the unfinished request was cut")
        releasing.finish()
    }
}
