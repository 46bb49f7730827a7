import AsyncHTTPClient
import CommerceHTTP
import CommerceTesting
import Foundation
import NIOHTTP1
import Testing

/// `commerce-server set-role` beside a running `commerce-server user`, on its data directory.
@Suite("The set-role command", .serialized)
final class SetRoleCommandTests {
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

    /// Runs `commerce-server set-role` to completion; its exit status.
    func setRole(_ arguments: [String]) async throws -> Int32 {
        let process = Process()
        process.executableURL = ServerProcess.executable
        process.arguments = ["set-role"] + arguments + ["--data-dir", directory.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        #expect(await eventually(timeout: .seconds(30), pollEvery: .milliseconds(20)) { !process.isRunning })
        return process.terminationStatus
    }

    @Test func theOperatorMakesAUserStaffAndTheirNextTokenSaysSo() async throws {
        try server.start()
        #expect(await live.waitUntilHealthy(server.baseURL))
        let email = "operator-\(UUID().uuidString.prefix(6))@example.com"
        _ = try await live.send(
            .POST, server.baseURL + "/api/user",
            body: #"{"username":"Op","email":"\#(email)","password":"correct horse battery"}"#)

        #expect(try await setRole([email, "staff"]) == 0)
        let login = try await live.send(
            .POST, server.baseURL + "/api/user/login",
            body: #"{"email":"\#(email)","password":"correct horse battery"}"#)
        let id = try #require(login.json["userId"] as? String)
        let token = try #require(login.json["token"] as? String)
        let user = try await live.send(.GET, server.baseURL + "/api/user/\(id)", token: token)
        #expect(user.json["role"] as? String == "staff")

        #expect(try await setRole(["nobody@example.com", "staff"]) == 1, "an unknown email is an error")
        #expect(try await setRole([email, "admin"]) == 1, "an unknown role is an error")
        #expect(try await setRole([email, "customer"]) == 0)
        let demoted = try await live.send(.GET, server.baseURL + "/api/user/\(id)", token: token)
        #expect(demoted.json["role"] as? String == "customer")
    }
}
