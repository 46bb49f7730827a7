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
import Synchronization

/// A port for a test's server, free when handed out and handed out once in this process.
///
/// `bind(0)` would pick from the kernel's ephemeral range, and a port released there is anybody's: another
/// test's `bind(0)`, or any outgoing connection in this process or a server it started, can take it before
/// the test's server binds it, and the server then fails to start. So ports come from just below that
/// range, which the kernel never hands out by itself, each at most once; a port something else already
/// holds is skipped.
package func freePort() throws -> Int {
    for _ in TestPorts.range {
        let port = TestPorts.next()
        if TestPorts.canBind(port) { return port }
    }
    throw TestPorts.Exhausted()
}

/// The ports `freePort()` hands out: a counter through the 8,000 ports below the kernel's ephemeral range,
/// starting where this process's id points so two test processes on one machine seldom meet.
package enum TestPorts {
    package static let range: Range<Int> = {
        let ephemeral = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8))?
            .split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) }
        let ceiling = max(ephemeral ?? 32_768, 9_024)
        return (ceiling - 8_000)..<ceiling
    }()
    package struct Exhausted: Error {}

    private static let counter = Atomic<Int>(Int(ProcessInfo.processInfo.processIdentifier) &* 977)

    package static func next() -> Int {
        let count = counter.add(1, ordering: .relaxed).newValue
        return range.lowerBound + (count % range.count + range.count) % range.count
    }

    /// Whether `port` on 127.0.0.1 is bound by nothing, tried with a socket that is bound and closed again
    /// but never listens, and is closed on `exec`: a child another test starts at that moment
    /// (`system(3)` passes on every descriptor without that flag) cannot carry it off and hold the port.
    static func canBind(_ port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}

/// Runs `services` in a service group while `body` runs, then shuts them down gracefully.
package func withRunning<Result: Sendable>(
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

/// Runs `body` with a new peers' HTTP client, then shuts the client down whatever `body` threw: a client
/// dropped without a shutdown traps, and takes the whole test run with it.
package func withHTTPClient<Result: Sendable>(_ body: (HTTPClient) async throws -> Result) async throws -> Result {
    let client = HTTPClient.forPeers()
    do {
        let result = try await body(client)
        try await client.shutdown()
        return result
    } catch {
        try? await client.shutdown()
        throw error
    }
}

/// A small HTTP client for live tests.
package struct LiveClient: Sendable {
    package let client: HTTPClient

    package init(client: HTTPClient) { self.client = client }

    package struct Answer: Sendable {
        package let status: Int
        package let headers: HTTPHeaders
        package let body: Data
        package var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
        package var jsonArray: [[String: Any]] {
            (try? JSONSerialization.jsonObject(with: body)) as? [[String: Any]] ?? []
        }
    }

    package func send(
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
    package func waitUntilHealthy(_ base: String, timeout: Duration = .seconds(30)) async -> Bool {
        await eventually(timeout: timeout, pollEvery: .milliseconds(20)) {
            (try? await send(.GET, base + "/health").status) == 200
        }
    }

    package func registerAndLogIn(_ base: String) async throws -> (id: String, token: String) {
        let email = "live-\(UUID().uuidString.prefix(8))@example.com"
        _ = try await send(
            .POST, base + "/api/user",
            body: #"{"username":"Live","email":"\#(email)","password":"correct horse battery"}"#)
        let login = try await send(
            .POST, base + "/api/user/login", body: #"{"email":"\#(email)","password":"correct horse battery"}"#)
        return (login.json["userId"] as! String, login.json["token"] as! String)
    }

    /// A new user made staff through the User service at `base` (its internal API key `apiKey`), and a
    /// token of theirs issued after the promotion, so it carries the role.
    package func staffToken(_ base: String, apiKey: String) async throws -> String {
        let staff = try await registerAndLogIn(base)
        let promoted = try await send(
            .PUT, base + "/api/user/\(staff.id)/role", headers: [("x-api-key", apiKey)], body: #"{"role":"staff"}"#)
        guard promoted.status == 200, let email = promoted.json["email"] as? String else {
            throw LiveFailure("promoting a user to staff answered \(promoted.status)")
        }
        let login = try await send(
            .POST, base + "/api/user/login", body: #"{"email":"\#(email)","password":"correct horse battery"}"#)
        guard let token = login.json["token"] as? String else {
            throw LiveFailure("the promoted user's login answered \(login.status)")
        }
        return token
    }
}

/// A step of a live test that did not go as the test needs.
package struct LiveFailure: Error, CustomStringConvertible {
    package let description: String
    package init(_ description: String) { self.description = description }
}
