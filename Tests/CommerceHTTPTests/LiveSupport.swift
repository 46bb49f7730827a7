import AsyncHTTPClient
import CommerceCore
import CommerceHTTP
import CommerceTesting
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// A port that was free a moment ago (bound to port 0, read back, released).
func freePort() throws -> Int {
    let channel = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .bind(host: "127.0.0.1", port: 0).wait()
    defer { try? channel.close().wait() }
    return channel.localAddress!.port!
}

/// Runs `services` in a service group while `body` runs, then shuts them down gracefully.
func withRunning<Result: Sendable>(
    _ services: [any Service], _ body: @Sendable () async throws -> Result
) async throws -> Result {
    let group = ServiceGroup(services: services, logger: TestSystem.quiet)
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        do {
            let result = try await body()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return result
        } catch {
            await group.triggerGracefulShutdown()
            try? await tasks.waitForAll()
            throw error
        }
    }
}

/// A small HTTP client for live tests.
struct LiveClient: Sendable {
    let client: HTTPClient

    struct Answer: Sendable {
        let status: Int
        let headers: HTTPHeaders
        let body: Data
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
        var jsonArray: [[String: Any]] { (try? JSONSerialization.jsonObject(with: body)) as? [[String: Any]] ?? [] }
    }

    func send(
        _ method: HTTPMethod, _ url: String, token: String? = nil, headers: [(String, String)] = [], body: String? = nil
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let token { request.headers.add(name: "authorization", value: "Bearer \(token)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await client.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return Answer(status: Int(response.status.code), headers: response.headers, body: Data(buffer: bytes))
    }

    /// Polls `GET url/health` until it answers 200; false after `timeout`.
    func waitUntilHealthy(_ base: String, timeout: Duration = .seconds(10)) async -> Bool {
        await eventually(timeout: timeout, pollEvery: .milliseconds(20)) {
            (try? await send(.GET, base + "/health").status) == 200
        }
    }

    func registerAndLogIn(_ base: String) async throws -> (id: String, token: String) {
        let email = "live-\(UUID().uuidString.prefix(8))@example.com"
        _ = try await send(
            .POST, base + "/api/user",
            body: #"{"username":"Live","email":"\#(email)","password":"correct horse battery"}"#)
        let login = try await send(
            .POST, base + "/api/user/login", body: #"{"email":"\#(email)","password":"correct horse battery"}"#)
        return (login.json["userId"] as! String, login.json["token"] as! String)
    }
}
