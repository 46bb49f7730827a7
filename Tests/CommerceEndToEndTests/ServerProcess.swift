import CommerceTesting
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One real `commerce-server` process, started from the built executable with its own data directory.
final class ServerProcess: @unchecked Sendable {
    static let jwtSecret = "fault-suite-jwt-secret-0123456789abcdefgh"
    static let apiKey = "fault-suite-api-key-0123456789abcdefghijk"

    /// `.build/debug/commerce-server`, which `swift build` (run by `.ci/run` before `swift test`) makes.
    static let executable: URL = {
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { root.deleteLastPathComponent() }  // Tests/CommerceEndToEndTests/ServerProcess.swift
        return root.appending(path: ".build/debug/commerce-server")
    }()

    let mode: String
    let port: Int
    let dataDirectory: URL
    let environment: [String: String]
    private var process: Process?

    var baseURL: String { "http://127.0.0.1:\(port)" }

    init(mode: String, port: Int, dataDirectory: URL, environment: [String: String] = [:]) {
        self.mode = mode
        self.port = port
        self.dataDirectory = dataDirectory
        self.environment = environment
    }

    /// Starts the process (again, after a kill, on the same port and data).
    func start() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.executable.path) else {
            throw FaultSuiteError("\(Self.executable.path) is missing: run `swift build` before `swift test`.")
        }
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = [mode]
        process.currentDirectoryURL = dataDirectory
        var environment = ProcessInfo.processInfo.environment
        environment.merge([
            "PORT": "\(port)", "COMMERCE_DATA_DIR": dataDirectory.path, "JWT_SECRET": Self.jwtSecret,
            "API_KEY": Self.apiKey, "BCRYPT_COST": "4", "LOG_LEVEL": "warning",
            // These tests post the seed's orders (client names and prices); catalog pricing has its own.
            "PRICING": "client",
        ]) { $1 }
        environment.merge(self.environment) { $1 }
        process.environment = environment
        let log = logFile
        if !FileManager.default.fileExists(atPath: log.path) {
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        }
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        self.process = process
    }

    /// Where the process's standard output and error go.
    var logFile: URL { dataDirectory.appending(path: "\(mode).log") }

    /// Whether the process still runs and the last lines it wrote: what a failed wait for it says.
    func logTail(lines: Int = 15) -> String {
        let text = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
        let tail = text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
        return "\(mode) process \(process?.isRunning == true ? "running" : "not running"); its log ends:\n\(tail)"
    }

    /// SIGTERM: the process should stop gracefully. Does not wait.
    func terminate() {
        guard let process else { return }
        Glibc.kill(process.processIdentifier, SIGTERM)
    }

    /// The exit status once the process has exited within `timeout`; `nil` if it is still running then
    /// (or ended by a signal).
    func exitStatus(within timeout: Duration) async -> Int32? {
        guard let process else { return nil }
        guard await eventually(timeout: timeout, pollEvery: .milliseconds(20), { !process.isRunning }) else {
            return nil
        }
        self.process = nil
        return process.terminationReason == .exit ? process.terminationStatus : nil
    }

    /// SIGKILL: no shutdown, no flushing; what was acknowledged must already be durable.
    func kill() {
        guard let process else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    deinit { kill() }
}

struct FaultSuiteError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A fresh temporary directory.
func temporaryDirectory() throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appending(path: "commerce-faults-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory
}
