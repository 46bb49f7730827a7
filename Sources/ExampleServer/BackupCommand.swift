import ArgumentParser
import CommerceStorage
import Configuration
import Foundation
import SystemPackage

extension CommerceServer {
    /// `commerce-server backup DIRECTORY`: consistent copies of the SQLite databases, taken while the
    /// services run (SQLite's online backup API), as `users.sqlite` and `orders.sqlite` in `DIRECTORY`.
    struct Backup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy the SQLite databases, safely while the services run, into a directory.",
            discussion: """
                Reads the data directory as the services do (COMMERCE_DATA_DIR or DATABASE_URL). Writes
                users.sqlite and orders.sqlite (those that exist) into DIRECTORY, which must not hold them yet.
                To restore, stop the service and put the copies back in its data directory.
                """)

        @Argument(help: "Where the copies go; created if missing.") var destination: String
        @Option(help: "Data directory (COMMERCE_DATA_DIR; default ./.commerce-data).") var dataDir: String?
        @Option(help: "Database directory (DATABASE_URL), when it is not the data directory.") var databaseURL: String?

        func run() async throws {
            var flags: [AbsoluteConfigKey: ConfigValue] = [:]
            if let dataDir { flags[["commerce", "data", "dir"]] = .init(.string(dataDir), isSecret: false) }
            if let databaseURL { flags[["database", "url"]] = .init(.string(databaseURL), isSecret: false) }
            let config = ConfigReader(providers: [
                InMemoryProvider(name: "flags", values: flags), EnvironmentVariablesProvider(),
                try await EnvironmentVariablesProvider(environmentFilePath: ".env", allowMissing: true),
            ])
            do {
                let dataDirectory = config.string(forKey: "commerce.data.dir", default: "./.commerce-data")
                guard
                    case .sqliteDirectory(let directory) = try ServerSettings.database(
                        config.string(forKey: "database.url"), mode: .all, dataDirectory: dataDirectory)
                else { throw SettingsError("backup copies the SQLite files of a data directory; DATABASE_URL names none.") }
                try FileManager.default.createDirectory(atPath: destination, withIntermediateDirectories: true)
                var copied = 0
                for file in ["users.sqlite", "orders.sqlite"]
                where FileManager.default.fileExists(atPath: directory + "/" + file) {
                    try SQLiteBackup.copy(databaseAt: directory + "/" + file, to: destination + "/" + file)
                    print("backed up \(file) to \(destination)/\(file)")
                    copied += 1
                }
                guard copied > 0 else { throw SettingsError("no database in \(directory) to back up.") }
            } catch {
                FileHandle.standardError.write(Data("commerce-server backup: \(error)\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}
