import AsyncHTTPClient
import CommerceCore
import CommerceHTTP
import CommerceStorage
import CommerceTesting
import Foundation
import NIOHTTP1
import Testing

/// `commerce-server backup` beside a running `commerce-server user`.
@Suite("The backup command", .serialized)
final class BackupCommandTests {
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

    /// Runs `commerce-server backup` to completion; its exit status.
    func backUp(to destination: URL) async throws -> Int32 {
        let process = Process()
        process.executableURL = ServerProcess.executable
        process.arguments = ["backup", destination.path, "--data-dir", directory.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        #expect(await eventually(timeout: .seconds(30), pollEvery: .milliseconds(20)) { !process.isRunning })
        return process.terminationStatus
    }

    @Test func aBackupTakenWhileTheServiceRunsHoldsItsUsers() async throws {
        try server.start()
        #expect(await live.waitUntilHealthy(server.baseURL))
        let (id, _) = try await live.registerAndLogIn(server.baseURL)
        let destination = directory.appending(path: "backup-1")
        #expect(try await backUp(to: destination) == 0)
        let copy = try SQLiteUserStore(path: destination.appending(path: "users.sqlite").path)
        #expect(try await copy.user(id: try #require(UserID(id))) != nil)
        #expect(try await live.send(.GET, server.baseURL + "/health").status == 200, "the service kept running")
        #expect(try await backUp(to: destination) == 1, "an existing backup is not overwritten")
    }
}
