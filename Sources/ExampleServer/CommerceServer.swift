import ArgumentParser
import Configuration
import Foundation
import Logging
import SystemPackage

/// `commerce-server [all|user|order]`: the User and Order services over HTTP (started by `main.swift`).
struct CommerceServer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "commerce-server",
        abstract: "The swift-commerce User and Order services over HTTP.",
        discussion: """
            Settings come from flags, then the environment, then a .env file in the working directory.
            `commerce-server help all` (or user, order) lists them; Documentation/Configuration.md explains each.
            """,
        subcommands: [All.self, User.self, Order.self, Backup.self, SetRole.self],
        defaultSubcommand: All.self)

    /// Reads flags, environment and `.env`, checks them, and runs `mode`. A bad setting ends the process
    /// with one line on standard error and exit code 1.
    static func run(_ mode: ServiceMode, flags: SettingFlags) async throws {
        let settings: ServerSettings
        do {
            settings = try ServerSettings.load(
                mode: mode, from: try await SettingSources.reader(flags: try flags.values(for: mode)))
        } catch let error as ValidationError {
            throw error
        } catch {
            FileHandle.standardError.write(Data("commerce-server: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let traces = try TraceExport.bootstrap(mode: mode)
        settings.logFormat.bootstrap(level: settings.logLevel, traceMetadata: traces.logMetadata)
        try await ServerRunner(settings: settings, traceExport: traces.service).run()
    }
}

/// Where settings come from, in order of precedence: flags, the environment, a `.env` file in the working
/// directory. Every command reads them this way.
enum SettingSources {
    static func reader(flags: [AbsoluteConfigKey: ConfigValue]) async throws -> ConfigReader {
        ConfigReader(providers: [
            InMemoryProvider(name: "flags", values: flags),
            EnvironmentVariablesProvider(),
            try await EnvironmentVariablesProvider(environmentFilePath: ".env", allowMissing: true),
        ])
    }
}

/// The settings given as flags, `--name value` or `--name=value`: the flag of each ``Setting`` the
/// command accepts, derived from its declaration (no flag is declared twice).
struct SettingFlags: ParsableArguments {
    @Argument(parsing: .allUnrecognized, help: .hidden) var arguments: [String] = []

    /// The flags as configuration values, for the settings of `mode`.
    func values(for mode: ServiceMode) throws -> [AbsoluteConfigKey: ConfigValue] {
        try values(accepting: Setting.all.filter { $0.modes.contains(mode) })
    }

    /// The flags as configuration values, each the flag of one of `settings`.
    /// - Throws: `ValidationError` for any other flag, a missing value or a number that is not one.
    func values(accepting settings: [Setting]) throws -> [AbsoluteConfigKey: ConfigValue] {
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        var words = arguments[...]
        while let word = words.popFirst() {
            guard word.hasPrefix("--") else { throw ValidationError("Unexpected argument '\(word)'.") }
            var name = word.dropFirst(2)
            var value: String?
            if let equals = name.firstIndex(of: "=") {
                value = String(name[name.index(after: equals)...])
                name = name[..<equals]
            }
            guard let setting = settings.first(where: { $0.flag.map { $0[...] } == name }) else {
                throw ValidationError("Unknown option '--\(name)'.")
            }
            guard let value = value ?? words.popFirst() else { throw ValidationError("Missing value for '--\(name)'.") }
            let content: ConfigContent
            if case .integer = setting.values {
                guard let number = Int(value) else {
                    throw ValidationError("--\(name) takes a whole number, not \(value).")
                }
                content = .int(number)
            } else {
                content = .string(value)
            }
            values[AbsoluteConfigKey(setting.key.split(separator: ".").map(String.init))] = .init(
                content, isSecret: false)
        }
        return values
    }
}

extension CommerceServer {
    struct All: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run both services in one process (3000 and 5000).", discussion: Setting.help(for: .all))
        @OptionGroup var flags: SettingFlags

        func run() async throws { try await CommerceServer.run(.all, flags: flags) }
    }

    struct User: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the User service (PORT; default 3000).", discussion: Setting.help(for: .user))
        @OptionGroup var flags: SettingFlags

        func run() async throws { try await CommerceServer.run(.user, flags: flags) }
    }

    struct Order: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the Order service (PORT; default 5000).", discussion: Setting.help(for: .order))
        @OptionGroup var flags: SettingFlags

        func run() async throws { try await CommerceServer.run(.order, flags: flags) }
    }
}
