import CommerceTestSupport
import CommerceTesting
import Foundation
import Testing

/// What a real `commerce-server` process answers to requests that are not quite HTTP, and to clients too
/// slow to finish one: a problem the client can read, never a 500, never an error in the log.
@Suite("HTTP edges of a real server", .serialized)
final class HTTPEdgeTests {
    let directory: URL
    let server: ServerProcess

    init() async throws {
        directory = try temporaryDirectory()
        server = ServerProcess(
            mode: "user", port: try freePort(), dataDirectory: directory,
            environment: ["BODY_READ_TIMEOUT_SECONDS": "2", "LOG_LEVEL": "info"])
        try server.start()
        let port = server.port
        let healthy = await eventually(timeout: .seconds(10), pollEvery: .milliseconds(20)) {
            guard let connection = try? RawConnection(port: port) else { return false }
            connection.send("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            return RawResponse(connection.readUntilClosed())?.status == 200
        }
        #expect(healthy, "the server answers")
    }

    deinit {
        server.kill()
        try? FileManager.default.removeItem(at: directory)
    }

    /// The server's log holds no line at `error` or above.
    func expectNoErrorLogged() throws {
        let log = try String(contentsOf: server.logFile, encoding: .utf8)
        let errors = log.split(separator: "\n").filter { $0.contains(" error ") || $0.contains(" critical ") }
        #expect(errors.isEmpty, "error lines: \(errors.prefix(3))")
    }

    func answer(to request: String, finish: Bool = true) throws -> RawResponse? {
        let connection = try RawConnection(port: server.port)
        connection.send(request)
        if finish { connection.finishSending() }
        return RawResponse(connection.readUntilClosed())
    }

    static let head = "POST /api/user HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"

    /// Bodies whose framing is broken, by name (the names are the test's arguments: a readable log).
    static let malformedBodies: KeyValuePairs<String, String> = [
        "a bad chunk size": head + "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
        "a chunk longer than declared": head + "Transfer-Encoding: chunked\r\n\r\n2\r\n{\"a\":1}\r\n0\r\n\r\n",
        "a chunk without its CRLF": head + "Transfer-Encoding: chunked\r\n\r\n2\r\n{}0\r\n\r\n",
        "a body shorter than Content-Length": head + "Content-Length: 100\r\n\r\n{\"a\":",
    ]

    @Test(arguments: malformedBodies.map(\.key))
    func aMalformedBodyIsTheClientsFault(_ what: String) throws {
        let request = try #require(Self.malformedBodies.first { $0.key == what }?.value)
        let response = try #require(try answer(to: request), "no answer")
        #expect(response.status == 400)
        #expect(response.headers["content-type"] == "application/problem+json")
        #expect(response.problemType == "urn:swift-commerce:problem:malformed-request")
        try expectNoErrorLogged()
    }

    /// Requests the parser refuses before routing, by name, with the status each must get.
    static let refusedRequests: KeyValuePairs<String, (request: String, status: Int)> = [
        "an oversized header": (
            "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 40_000))\r\n\r\n", 431
        ),
        "too many headers": (
            "GET /health HTTP/1.1\r\nHost: x\r\n" + (0..<150).map { "X-\($0): 1\r\n" }.joined() + "\r\n", 431
        ),
        "a huge URL": ("GET /\(String(repeating: "a", count: 40_000)) HTTP/1.1\r\nHost: x\r\n\r\n", 431),
        "an unknown method": ("FOO\u{1} /health HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        "a bad request line": ("garbage\r\n\r\n", 400),
        "Content-Length with Transfer-Encoding": (
            head + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400
        ),
        "a byte not allowed in a header": ("GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\u{1}b\r\n\r\n", 400),
    ]

    @Test(arguments: refusedRequests.map(\.key))
    func whatTheParserRefusesIsAProblem(_ what: String) throws {
        let refused = try #require(Self.refusedRequests.first { $0.key == what }?.value)
        let response = try #require(try answer(to: refused.request), "no answer")
        #expect(response.status == refused.status)
        #expect(response.headers["content-type"] == "application/problem+json")
        #expect(response.headers["connection"] == "close")
        #expect(response.problemType?.hasPrefix("urn:swift-commerce:problem:") == true)
        try expectNoErrorLogged()
    }

    @Test func aBodyThatDripsIsCutWith408() async throws {
        let connection = try RawConnection(port: server.port)
        connection.send(Self.head + "Content-Length: 50\r\n\r\n{")
        let start = ContinuousClock.now
        // One byte every 200 ms: the body would take 10 s; the server allows 2.
        let dripping = Task {
            for _ in 0..<50 {
                guard connection.send(" ") else { return }
                try await Task.sleep(for: .milliseconds(200))
            }
        }
        let response = try #require(RawResponse(connection.readUntilClosed()))
        dripping.cancel()
        #expect(response.status == 408)
        #expect(response.problemType == "urn:swift-commerce:problem:request-timeout")
        #expect(ContinuousClock.now - start < .seconds(8), "cut near the 2 s limit, not after the whole body")
        try expectNoErrorLogged()
    }

    @Test func aDrippingBodyOnARouteThatAnsweredIsCutToo() async throws {
        let connection = try RawConnection(port: server.port)
        connection.send("GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{")
        let start = ContinuousClock.now
        var open = true
        while open, ContinuousClock.now - start < .seconds(10) {
            try await Task.sleep(for: .milliseconds(200))
            open = connection.send(" ")
        }
        #expect(!open, "the connection was closed")
        #expect(ContinuousClock.now - start < .seconds(8))
    }
}
