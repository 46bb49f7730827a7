import ArgumentParser
import CommerceBcrypt
import CommerceCore
import CommerceStorage
import Configuration
import Foundation
import Logging

extension CommerceServer {
    /// `commerce-server set-role EMAIL staff|customer`: the operator makes a user staff, or a customer again,
    /// on the database the User service uses (its SQLite file, or `DATABASE_URL=postgres://…`), while the
    /// services run or not. The user's tokens issued before keep their old role until they expire.
    struct SetRole: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-role",
            abstract: "Make a user staff, or a customer again.",
            discussion: "Changes the User service's database directly: its SQLite file in the data directory, or "
                + "the PostgreSQL database DATABASE_URL names. A user's tokens issued before keep their old role "
                + "until they expire.\n\n" + Setting.help(of: settings))

        /// The settings that say where the User service's data is, read as the services read them.
        static let settings = [Setting.dataDirectory, Setting.databaseURL]

        @Argument(help: "The user's email.") var email: String
        @Argument(help: "staff or customer.") var role: String
        @OptionGroup var flags: SettingFlags

        func run() async throws {
            do {
                guard let role = UserRole(rawValue: role.lowercased()) else {
                    throw SettingsError("the role must be staff or customer, not \(role).")
                }
                let config = try await SettingSources.reader(flags: try flags.values(accepting: Self.settings))
                let location = try StoreOpener.location(from: config, mode: .user)
                if location == .memory { throw SettingsError("DATABASE_URL=memory: keeps no users to change.") }
                let stores = StoreOpener(location: location, poolSize: 2, logLevel: .warning)
                let store = try stores.userStore()
                let user = try await stores.whileOpen {
                    // A throwaway signing key: this command issues no token.
                    let services = await CommerceServices(
                        tokens: .init(secret: try SigningSecret(UUID().uuidString + UUID().uuidString)),
                        hasher: try BcryptPasswordHasher(cost: 4))
                    let users = services.userService(store: store, orders: NoOrderService()).users
                    return try await users.setRole(ofEmail: email, to: role, as: .internalService)
                }
                print("\(user.email.value) is now \(user.role.rawValue)")
            } catch {
                FileHandle.standardError.write(Data("commerce-server set-role: \(error)\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}

/// The Order service as this command sees it: never called, since it deletes no one.
private struct NoOrderService: OrderServicePeer {
    func purgeOrders(of userId: UserID) async throws -> Int { 0 }
    func revokeTokens(of userId: UserID, issuedBefore date: Date) async throws {}
    func orders(of userId: UserID) async throws -> [Order] { [] }
}
