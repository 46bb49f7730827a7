import ArgumentParser
import Configuration
import Foundation
import Testing

@testable import ExampleServer

/// Each setting is declared once (``Setting``); the flags, the checks, the help and the documentation
/// follow from the declarations.
@Suite("Setting declarations")
struct SettingDeclarationsTests {
    /// The first cells of Configuration.md's settings table.
    static func documentedRows() throws -> [Substring] {
        let text = try String(
            contentsOf: DeploymentFilesTests.repository.appending(path: "Documentation/Configuration.md"),
            encoding: .utf8)
        let section = try #require(text.components(separatedBy: "\n## Settings\n").dropFirst().first)
        let table = section.components(separatedBy: "\n## ").first ?? ""
        return table.split(separator: "\n").filter { $0.hasPrefix("| `") }.compactMap { $0.split(separator: "|").first }
    }

    /// The backticked words of `cell` that match `pattern`.
    static func words(_ cell: Substring, matching pattern: some RegexComponent) -> [String] {
        cell.split(separator: "`").enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
            .filter { $0.wholeMatch(of: pattern) != nil }
    }

    @Test func configurationMdListsExactlyTheSettingsTheServerReads() throws {
        let rows = try Self.documentedRows()
        let documented = Set(rows.flatMap { Self.words($0, matching: /[A-Z][A-Z0-9_]+/) })
        let read = try DeploymentFilesTests.variablesTheServerReads()
        let declared = Set(Setting.all.map(\.environmentName))
        #expect(documented.subtracting(read).sorted() == [], "documented but never read")
        #expect(read.subtracting(documented).sorted() == [], "read but not documented")
        #expect(declared == read, "every declared setting is read, and only those")
    }

    @Test func configurationMdShowsEachSettingsFlag() throws {
        let documented = Set(try Self.documentedRows().flatMap { Self.words($0, matching: /--[a-z-]+/) })
        let declared = Set(Setting.all.compactMap { $0.flag.map { "--" + $0 } })
        #expect(documented == declared)
    }

    @Test func flagsAreDerivedFromTheDeclarationsAndWinOverTheEnvironment() throws {
        let flags = try SettingFlags.parse(["--port", "4000", "--log-level=debug", "--data-dir", "/tmp/x"])
        let values = try flags.values(for: .user)
        let reader = ConfigReader(providers: [
            InMemoryProvider(values: values),
            EnvironmentVariablesProvider(environmentVariables: ["PORT": "4100", "LOG_LEVEL": "error"]),
        ])
        #expect(reader.int(forKey: Setting.port.configKey) == 4000)
        #expect(reader.string(forKey: Setting.logLevel.configKey) == "debug")
        #expect(reader.string(forKey: Setting.dataDirectory.configKey) == "/tmp/x")
    }

    @Test func aFlagTheCommandDoesNotTakeIsRefused() throws {
        for arguments in [
            ["--user-service-port", "1"], ["--jwt-secret", "x"], ["--port"], ["--port", "abc"], ["stray"],
        ] {
            let flags = try SettingFlags.parse(arguments)
            #expect(throws: ValidationError.self, "\(arguments)") { try flags.values(for: .user) }
        }
    }

    @Test func secretsHaveNoFlag() {
        for setting in Setting.all where setting.values == .secret { #expect(setting.flag == nil, "\(setting.key)") }
    }

    @Test func theHelpListsEachSettingOfTheCommand() {
        let help = Setting.help(for: .order)
        for setting in Setting.all {
            #expect(help.contains(setting.environmentName) == setting.modes.contains(.order), "\(setting.key)")
        }
    }
}
