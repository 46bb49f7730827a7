import AsyncHTTPClient
import CommerceTestSupport
import CommerceTesting
import Foundation
import NIOHTTP1
import Testing

/// Real `commerce-server user` and `order` processes whose SQLite files are taken away or locked under them:
/// no write is acknowledged unless it is in the file the next start will open.
@Suite("Database files under a running server", .serialized)
final class DatabaseFileTests {
    static let order =
        #"{"items":[{"productId":"tea","name":"Tea","quantity":1,"price":2.5}],"deliveryAddress":"1 Main St"}"#

    let client = HTTPClient(eventLoopGroupProvider: .singleton)
    let directory: URL
    let users: ServerProcess
    let orders: ServerProcess
    var live: LiveClient { LiveClient(client: client) }

    init() async throws {
        directory = try temporaryDirectory()
        let userPort = try freePort()
        let orderPort = try freePort()
        let urls = [
            "USER_SERVICE_URL": "http://127.0.0.1:\(userPort)", "ORDER_SERVICE_URL": "http://127.0.0.1:\(orderPort)",
        ]
        users = ServerProcess(mode: "user", port: userPort, dataDirectory: directory, environment: urls)
        orders = ServerProcess(mode: "order", port: orderPort, dataDirectory: directory, environment: urls)
        try users.start()
        try orders.start()
        #expect(await live.waitUntilHealthy(users.baseURL), "\(users.logTail())")
        #expect(await live.waitUntilHealthy(orders.baseURL), "\(orders.logTail())")
    }

    deinit {
        users.kill()
        orders.kill()
        try? client.syncShutdown()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Removes a database file and its WAL and shared-memory files, as a wiped volume would.
    func remove(_ file: String) {
        for suffix in ["", "-wal", "-shm"] {
            try? FileManager.default.removeItem(at: directory.appending(path: file + suffix))
        }
    }

    /// Puts another file where `file` was, as a restored or re-mounted volume would.
    func replace(_ file: String) throws {
        remove(file)
        try Data("not the file the server opened".utf8).write(to: directory.appending(path: file))
    }

    func register(_ email: String) async throws -> LiveClient.Answer {
        try await live.send(
            .POST, users.baseURL + "/api/user",
            body: #"{"username":"Ann","email":"\#(email)","password":"correct horse battery"}"#)
    }

    @Test(arguments: ["removed", "replaced"])
    func theUserServiceRefusesWritesOnceItsFileIsGone(_ how: String) async throws {
        let signedIn = try await live.registerAndLogIn(users.baseURL)
        if how == "removed" { remove("users.sqlite") } else { try replace("users.sqlite") }

        let refused = try await register("late-\(UUID().uuidString.prefix(6))@example.com")
        #expect(refused.status == 503)
        #expect(refused.json["type"] as? String == "urn:swift-commerce:problem:unavailable")
        let deletion = try await live.send(.DELETE, users.baseURL + "/api/user/\(signedIn.id)", token: signedIn.token)
        #expect(deletion.status == 503, "a deletion is a write too")
        #expect(try await live.send(.GET, users.baseURL + "/ready").status == 503)
        // It stays refused, even for a write that would land in a file that appeared meanwhile.
        #expect(try await register("later-\(UUID().uuidString.prefix(6))@example.com").status == 503)
    }

    @Test(arguments: ["removed", "replaced"])
    func theOrderServiceRefusesWritesOnceItsFileIsGone(_ how: String) async throws {
        let signedIn = try await live.registerAndLogIn(users.baseURL)
        let placed = try await live.send(.POST, orders.baseURL + "/api/order", token: signedIn.token, body: Self.order)
        #expect(placed.status == 201)
        if how == "removed" { remove("orders.sqlite") } else { try replace("orders.sqlite") }

        let refused = try await live.send(.POST, orders.baseURL + "/api/order", token: signedIn.token, body: Self.order)
        #expect(refused.status == 503)
        let purge = try await live.send(
            .DELETE, orders.baseURL + "/api/order/\(signedIn.id)", headers: [("x-api-key", ServerProcess.apiKey)])
        #expect(purge.status == 503, "a purge is a write too")
        #expect(try await live.send(.GET, orders.baseURL + "/ready").status == 503)
    }

    @Test func aWriteLockHeldElsewhereIsA503WithRetryAfterAndNotReady() async throws {
        let signedIn = try await live.registerAndLogIn(users.baseURL)
        // Another process (an operator's sqlite3, a backup tool) holds the write lock of the orders file.
        let intruder = try WriteLockHolder(path: directory.appending(path: "orders.sqlite").path)

        let ready = try await live.send(.GET, orders.baseURL + "/ready")
        #expect(ready.status == 503, "a database that cannot take writes is not ready")
        let refused = try await live.send(.POST, orders.baseURL + "/api/order", token: signedIn.token, body: Self.order)
        #expect(refused.status == 503)
        #expect(refused.headers.first(name: "retry-after") == "1")

        intruder.release()
        let readyAgain = await eventually(timeout: .seconds(10)) {
            (try? await live.send(.GET, orders.baseURL + "/ready").status) == 200
        }
        #expect(readyAgain)
        let placed = try await live.send(.POST, orders.baseURL + "/api/order", token: signedIn.token, body: Self.order)
        #expect(placed.status == 201, "writes resume once the lock is released")
    }
}

/// Another process that holds a SQLite file's write lock (`BEGIN IMMEDIATE`) until released: Python's
/// sqlite3 module, as an operator's tool would.
final class WriteLockHolder {
    private let process = Process()
    private let input = Pipe()

    /// Returns once the lock is held.
    init(path: String) throws {
        let output = Pipe()
        process.executableURL = URL(filePath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c",
            """
            import sqlite3, sys
            connection = sqlite3.connect(sys.argv[1], isolation_level=None)
            connection.execute("BEGIN IMMEDIATE")
            print("locked", flush=True)
            sys.stdin.read()
            connection.execute("ROLLBACK")
            """,
            path,
        ]
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let line = output.fileHandleForReading.availableData
        guard String(decoding: line, as: UTF8.self).hasPrefix("locked") else {
            throw FaultSuiteError("the lock holder did not take the lock")
        }
    }

    /// Lets the lock go and waits for the process to end.
    func release() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    deinit { if process.isRunning { process.terminate() } }
}
