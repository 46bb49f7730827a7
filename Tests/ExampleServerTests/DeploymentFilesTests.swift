import ArgumentParser
import Configuration
import Foundation
import Synchronization
import Testing
import Yams

@testable import ExampleServer

/// `render.yaml` and the `Dockerfile` set only variables `commerce-server` reads, with values it accepts.
@Suite("Deployment files")
struct DeploymentFilesTests {
    static let repository = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Records every configuration key read.
    final class KeysRead: AccessReporter {
        let keys = Mutex<Set<String>>([])
        func report(_ event: AccessEvent) {
            let name = event.metadata.key.components.joined(separator: "_").uppercased()
            keys.withLock { _ = $0.insert(name) }
        }
    }

    /// Every environment variable the server reads, found by loading the settings of every mode with a
    /// reporter watching (and with no secrets, so that the `_FILE` variants are read too).
    static func variablesTheServerReads() throws -> Set<String> {
        let reporter = KeysRead()
        let directory = FileManager.default.temporaryDirectory.appending(path: "commerce-deploy-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for mode in ServiceMode.allCases {
            let reader = ConfigReader(
                providers: [EnvironmentVariablesProvider(environmentVariables: ["COMMERCE_DATA_DIR": directory])],
                accessReporter: reporter)
            _ = try ServerSettings.load(mode: mode, from: reader)
        }
        return reporter.keys.withLock { $0 }
    }

    /// The services of `render.yaml`: name, command and literal variables (secrets and service addresses
    /// get stand-in values).
    static func renderServices() throws -> [(name: String, mode: String, command: String, variables: [String: String])]
    {
        let text = try String(contentsOf: repository.appending(path: "render.yaml"), encoding: .utf8)
        let blueprint = try #require(try Yams.load(yaml: text) as? [String: Any])
        var groups: [String: [String: String]] = [:]
        for group in blueprint["envVarGroups"] as? [[String: Any]] ?? [] {
            groups[group["name"] as! String] = try variables(group["envVars"])
        }
        return try (blueprint["services"] as? [[String: Any]] ?? []).map { service in
            var variables: [String: String] = [:]
            for entry in service["envVars"] as? [[String: Any]] ?? [] {
                if let group = entry["fromGroup"] as? String {
                    variables.merge(try #require(groups[group], "group \(group) is defined")) { $1 }
                } else {
                    variables.merge(try Self.variables([entry])) { $1 }
                }
            }
            let command = try #require(service["dockerCommand"] as? String)
            return (service["name"] as! String, String(command.split(separator: " ").last!), command, variables)
        }
    }

    private static func variables(_ entries: Any?) throws -> [String: String] {
        var variables: [String: String] = [:]
        for entry in entries as? [[String: Any]] ?? [] {
            let key = try #require(entry["key"] as? String)
            if let value = entry["value"] {
                variables[key] = "\(value)"
            } else if entry["generateValue"] as? Bool == true {
                variables[key] = String(repeating: "g", count: 44)  // what Render generates: 256 bits, base64
            } else if entry["sync"] as? Bool == false {
                variables[key] = "https://mail.example.com/commerce-hook"  // what the operator enters at deploy
            } else if let service = entry["fromService"] as? [String: Any] {
                variables[key] = "\(service["name"]!):10000"  // host:port on the private network
            }
        }
        return variables
    }

    /// The variables the `Dockerfile`'s `ENV` instructions set.
    static func dockerfileVariables() throws -> [String: String] {
        let text = try String(contentsOf: repository.appending(path: "Dockerfile"), encoding: .utf8)
        let joined = text.replacingOccurrences(of: "\\\n", with: " ")
        var variables: [String: String] = [:]
        for line in joined.split(separator: "\n") where line.hasPrefix("ENV ") {
            for pair in line.dropFirst(4).split(separator: " ") where pair.contains("=") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                variables[String(parts[0])] = String(parts[1])
            }
        }
        return variables
    }

    @Test func everyVariableRenderSetsIsOneTheServerReads() throws {
        let read = try Self.variablesTheServerReads()
        #expect(read.isSuperset(of: ["PORT", "JWT_SECRET", "API_KEY", "LOG_FORMAT", "SHUTDOWN_GRACE_SECONDS"]))
        let services = try Self.renderServices()
        #expect(Set(services.map(\.mode)) == ["user", "order"])
        for service in services {
            let unknown = Set(service.variables.keys).subtracting(read)
            #expect(unknown.isEmpty, "\(service.name) sets \(unknown.sorted()), which the server does not read")
        }
    }

    @Test func renderAndTheDockerfileTogetherMakeASettingTheServerAccepts() throws {
        let docker = try Self.dockerfileVariables()
        #expect(docker["HOST"] == "0.0.0.0" && docker["COMMERCE_ENV"] == "production")
        let unknown = Set(docker.keys).subtracting(try Self.variablesTheServerReads())
        #expect(unknown.isEmpty, "the Dockerfile sets \(unknown.sorted()), which the server does not read")
        let directory = FileManager.default.temporaryDirectory.appending(path: "commerce-deploy-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for service in try Self.renderServices() {
            var environment = docker.merging(service.variables) { $1 }
            environment["COMMERCE_DATA_DIR"] = directory
            let reader = ConfigReader(providers: [EnvironmentVariablesProvider(environmentVariables: environment)])
            let mode = try #require(ServiceMode(rawValue: service.mode))
            let settings = try ServerSettings.load(mode: mode, from: reader)
            #expect(settings.production, "\(service.name) runs in production mode, so weak secrets stop it")
        }
    }

    /// A JSON-array instruction of the `Dockerfile` (`ENTRYPOINT`, `CMD`); `nil` when it has none.
    static func dockerfileArray(_ instruction: String) throws -> [String]? {
        let text = try String(contentsOf: repository.appending(path: "Dockerfile"), encoding: .utf8)
        guard let line = text.split(separator: "\n").last(where: { $0.hasPrefix(instruction + " ") }) else {
            return nil
        }
        let json = Data(line.dropFirst(instruction.count + 1).utf8)
        return try #require(try JSONSerialization.jsonObject(with: json) as? [String], "\(instruction) is a JSON array")
    }

    /// The process a container runs, assembled as Docker does: the entrypoint, then the command — the image's
    /// `CMD`, unless the platform gives one of its own (Render's `dockerCommand` replaces `CMD`, not the
    /// entrypoint).
    static func containerArguments(command: [String]?) throws -> [String] {
        try (dockerfileArray("ENTRYPOINT") ?? []) + (command ?? dockerfileArray("CMD") ?? [])
    }

    @Test func eachContainerStartsTheServiceItIsMeantToRun() throws {
        var expected: [(command: [String]?, mode: ServiceMode)] = [(nil, .all)]  // docker run IMAGE
        expected.append((["commerce-server", "order"], .order))  // docker run IMAGE commerce-server order
        for service in try Self.renderServices() {
            let mode = try #require(ServiceMode(rawValue: service.mode))
            expected.append((service.command.split(separator: " ").map(String.init), mode))
        }
        for (command, mode) in expected {
            let arguments = try Self.containerArguments(command: command)
            #expect(arguments.first == "commerce-server", "\(arguments) runs commerce-server")
            let parsed = try CommerceServer.parseAsRoot(Array(arguments.dropFirst()))
            let ran: ServiceMode? =
                switch parsed {
                case is CommerceServer.All: .all
                case is CommerceServer.User: .user
                case is CommerceServer.Order: .order
                default: nil
                }
            #expect(ran == mode, "\(arguments) runs \(mode)")
        }
    }
}
