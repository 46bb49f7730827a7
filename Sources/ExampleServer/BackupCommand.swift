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
            discussion: "Reads the data directory as the services do. Writes users.sqlite and orders.sqlite "
                + "(those that exist) into DIRECTORY, which must not hold them yet. To restore, stop the service "
                + "and put the copies back in its data directory.\n\n" + Setting.help(of: settings))

        /// The settings that say where the data is, read as the services read them.
        static let settings = [Setting.dataDirectory, Setting.databaseURL]

        @Argument(help: "Where the copies go; created if missing.") var destination: String
        @OptionGroup var flags: SettingFlags

        func run() async throws {
            let config = try await SettingSources.reader(flags: try flags.values(accepting: Self.settings))
            do {
                guard case .sqliteDirectory(let directory) = try StoreOpener.location(from: config, mode: .all) else {
                    throw SettingsError("backup copies the SQLite files of a data directory; DATABASE_URL names none.")
                }
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
