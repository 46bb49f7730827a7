import AsyncHTTPClient
import CommerceCore
import CommerceHTTP
import CommerceStorage
import CommerceTestSupport
import CommerceTesting
import Foundation
import NIOHTTP1
import Testing

/// The operator's commands (`commerce-server backup`, `commerce-server set-role`) beside a running
/// `commerce-server user`, on its data directory.
@Suite("Operator commands", .serialized)
final class OperatorCommandTests {
    let client = HTTPClient.forPeers()
    let directory: URL
    let server: ServerProcess
    var live: LiveClient { LiveClient(client: client) }

    init() throws {
        directory = try temporaryDirectory()
        server = ServerProcess(mode: "user", port: try freePort(), dataDirectory: directory)
    }

    deinit {
        server.kill()
        try? client.syncShutdown()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Runs `commerce-server` with `arguments` on the data directory to completion; its exit status.
    func run(_ arguments: [String]) async throws -> Int32 {
        let process = Process()
        process.executableURL = ServerProcess.executable
        process.arguments = arguments + ["--data-dir", directory.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        #expect(await eventually(timeout: .seconds(30), pollEvery: .milliseconds(20)) { !process.isRunning })
        return process.terminationStatus
    }

    @Test func aBackupTakenWhileTheServiceRunsHoldsItsUsers() async throws {
        try server.start()
        #expect(await live.waitUntilHealthy(server.baseURL), "\(server.logTail())")
        let (id, _) = try await live.registerAndLogIn(server.baseURL)
        let destination = directory.appending(path: "backup-1")
        #expect(try await run(["backup", destination.path]) == 0)
        let copy = try SQLiteUserStore(path: destination.appending(path: "users.sqlite").path)
        #expect(try await copy.user(id: try #require(UserID(id))) != nil)
        #expect(try await live.send(.GET, server.baseURL + "/health").status == 200, "the service kept running")
        #expect(try await run(["backup", destination.path]) == 1, "an existing backup is not overwritten")
    }

    @Test func theOperatorMakesAUserStaffAndTheirNextTokenSaysSo() async throws {
        try server.start()
        #expect(await live.waitUntilHealthy(server.baseURL), "\(server.logTail())")
        let email = "operator-\(UUID().uuidString.prefix(6))@example.com"
        _ = try await live.send(
            .POST, server.baseURL + "/api/user",
            body: #"{"username":"Op","email":"\#(email)","password":"correct horse battery"}"#)

        #expect(try await run(["set-role", email, "staff"]) == 0)
        let login = try await live.send(
            .POST, server.baseURL + "/api/user/login",
            body: #"{"email":"\#(email)","password":"correct horse battery"}"#)
        let id = try #require(login.json["userId"] as? String)
        let token = try #require(login.json["token"] as? String)
        let user = try await live.send(.GET, server.baseURL + "/api/user/\(id)", token: token)
        #expect(user.json["role"] as? String == "staff")

        #expect(try await run(["set-role", "nobody@example.com", "staff"]) == 1, "an unknown email is an error")
        #expect(try await run(["set-role", email, "admin"]) == 1, "an unknown role is an error")
        #expect(try await run(["set-role", email, "customer"]) == 0)
        let demoted = try await live.send(.GET, server.baseURL + "/api/user/\(id)", token: token)
        #expect(demoted.json["role"] as? String == "customer")
    }
}
