import CommerceCore
import Configuration
import Foundation
import Logging
import SystemPackage
import Testing

@testable import ExampleServer

@Suite("commerce-server settings")
struct ServerSettingsTests {
    let dataDirectory = FileManager.default.temporaryDirectory.appending(path: "commerce-settings-\(UUID())").path
    static let secret = "a-jwt-secret-that-is-at-least-32-bytes-long"
    static let key = "an-api-key-that-is-also-at-least-32-bytes-long"

    func load(
        _ mode: ServiceMode, flags: [String: ConfigContent] = [:], environment: [String: String] = [:]
    ) throws -> ServerSettings {
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        for (key, value) in flags {
            values[AbsoluteConfigKey(key.split(separator: ".").map(String.init))] = .init(value, isSecret: false)
        }
        var environment = environment
        environment["COMMERCE_DATA_DIR"] = environment["COMMERCE_DATA_DIR"] ?? dataDirectory
        let reader = ConfigReader(providers: [
            InMemoryProvider(values: values), EnvironmentVariablesProvider(environmentVariables: environment),
        ])
        return try ServerSettings.load(mode: mode, from: reader)
    }

    @Test func defaultsAreTheDocumentedOnes() throws {
        let settings = try load(.all)
        #expect(settings.host == "127.0.0.1")
        #expect(settings.userServicePort == 3000 && settings.orderServicePort == 5000)
        #expect(settings.database == .sqliteDirectory(dataDirectory))
        #expect(settings.accessTokenLifetime == .seconds(900))
        #expect(settings.refreshTokenLifetime == .seconds(30 * 86_400))
        #expect(settings.bcryptCost == 12)
        #expect(settings.userServiceURL == "http://127.0.0.1:3000")
        #expect(!settings.production)
    }

    @Test func flagsWinOverTheEnvironment() throws {
        let settings = try load(.user, flags: ["port": .int(4000)], environment: ["PORT": "4100", "HOST": "0.0.0.0"])
        #expect(settings.userServicePort == 4000)
        #expect(settings.host == "0.0.0.0")
        #expect(try load(.order, environment: ["PORT": "4100"]).orderServicePort == 4100)
    }

    @Test func aDotEnvFileIsRead() async throws {
        let file = FileManager.default.temporaryDirectory.appending(path: "commerce-\(UUID()).env")
        try Data("BCRYPT_COST=10\nLOG_LEVEL=debug\n".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let reader = ConfigReader(providers: [
            EnvironmentVariablesProvider(environmentVariables: [
                "COMMERCE_DATA_DIR": dataDirectory, "BCRYPT_COST": "11",
            ]),
            try await EnvironmentVariablesProvider(environmentFilePath: .init(file.path), allowMissing: false),
        ])
        let settings = try ServerSettings.load(mode: .all, from: reader)
        #expect(settings.bcryptCost == 11, "the environment wins over .env")
        #expect(settings.logLevel == .debug)
    }

    @Test func productionRefusesMissingOrShortSecrets() throws {
        let production = ["COMMERCE_ENV": "production"]
        #expect(throws: SettingsError.self) { try load(.all, environment: production) }
        #expect(throws: SettingsError.self) {
            try load(.all, environment: production.merging(["JWT_SECRET": "short", "API_KEY": Self.key]) { $1 })
        }
        #expect(throws: SettingsError.self) {
            try load(.all, environment: production.merging(["JWT_SECRET": Self.secret, "API_KEY": "short"]) { $1 })
        }
        let ok = try load(
            .all,
            environment: production.merging([
                "JWT_SECRET": Self.secret, "API_KEY": Self.key, "NOTIFY_WEBHOOK_URL": "https://mail.example.com/hook",
                "NOTIFY_WEBHOOK_SECRET": Self.key,
            ]) { $1 })
        #expect(ok.production && ok.jwtSecret.bytes == Array(Self.secret.utf8))
        do {
            _ = try load(.all, environment: production)
            Issue.record("production started without secrets")
        } catch {
            #expect(!"\(error)".contains("\n"), "one line")
            #expect("\(error)".contains("JWT_SECRET"))
        }
    }

    @Test func productionRefusesTheDevelopmentNotifier() throws {
        let production = ["COMMERCE_ENV": "production", "JWT_SECRET": Self.secret, "API_KEY": Self.key]
        for mode in [ServiceMode.all, .user] {
            do {
                _ = try load(mode, environment: production)
                Issue.record("\(mode) started in production without a webhook for password resets")
            } catch {
                #expect("\(error)".contains("NOTIFY_WEBHOOK_URL") && !"\(error)".contains("\n"))
            }
        }
        #expect(try load(.order, environment: production).notifyWebhook == nil, "the Order service sends no mail")
        let url = ["NOTIFY_WEBHOOK_URL": "https://mail.example.com/hook"]
        #expect(throws: SettingsError.self, "a URL without its secret") {
            try load(.user, environment: production.merging(url) { $1 })
        }
        #expect(throws: SettingsError.self, "a short secret") {
            try load(
                .user, environment: production.merging(url) { $1 }.merging(["NOTIFY_WEBHOOK_SECRET": "short"]) { $1 })
        }
        #expect(throws: SettingsError.self, "not an http(s) URL") {
            try load(
                .user,
                environment: production.merging([
                    "NOTIFY_WEBHOOK_URL": "mail.example.com", "NOTIFY_WEBHOOK_SECRET": Self.key,
                ]) { $1 })
        }
        let configured = try load(
            .user, environment: production.merging(url) { $1 }.merging(["NOTIFY_WEBHOOK_SECRET": Self.key]) { $1 })
        #expect(configured.notifyWebhook?.url == "https://mail.example.com/hook")
        #expect(try load(.user).notifyWebhook == nil, "outside production the development notifier is the default")
    }

    @Test func productionRefusesClientPricing() throws {
        #expect(try load(.order).pricing == .catalog, "the shop's prices by default")
        #expect(try load(.order, environment: ["PRICING": "client"]).pricing == .client)
        let production = [
            "COMMERCE_ENV": "production", "JWT_SECRET": Self.secret, "API_KEY": Self.key, "PRICING": "client",
        ]
        do {
            _ = try load(.order, environment: production)
            Issue.record("an Order service let clients set prices in production")
        } catch {
            #expect("\(error)".contains("PRICING") && !"\(error)".contains("\n"))
        }
        #expect(throws: SettingsError.self) { try load(.order, environment: ["PRICING": "free"]) }
    }

    @Test func webhooksRefusePrivateAddressesInProductionAndKeepTheirDocumentedWindows() throws {
        let development = try load(.order)
        #expect(development.webhookAllowPrivate, "local receivers are allowed outside production")
        #expect(development.webhookRetryWindow == .seconds(24 * 3600))
        #expect(development.webhookRetention == .seconds(168 * 3600))
        #expect(development.webhookTimeout == .seconds(10))
        let production = ["COMMERCE_ENV": "production", "JWT_SECRET": Self.secret, "API_KEY": Self.key]
        #expect(!(try load(.order, environment: production)).webhookAllowPrivate, "refused in production")
        var allowed = production
        allowed["WEBHOOK_ALLOW_PRIVATE"] = "true"
        #expect(try load(.order, environment: allowed).webhookAllowPrivate, "unless the operator says so")
        let hours = try load(
            .order, environment: ["WEBHOOK_RETRY_HOURS": "2", "WEBHOOK_RETENTION_HOURS": "48"])
        #expect(hours.webhookRetryWindow == .seconds(7200) && hours.webhookRetention == .seconds(48 * 3600))
        #expect(throws: SettingsError.self) { try load(.order, environment: ["WEBHOOK_RETENTION_HOURS": "0"]) }
        #expect(throws: SettingsError.self) { try load(.order, environment: ["WEBHOOK_ALLOW_PRIVATE": "maybe"]) }
    }

    @Test func secretsMayComeFromFiles() throws {
        let file = FileManager.default.temporaryDirectory.appending(path: "commerce-secret-\(UUID())")
        try Data((Self.secret + "\n").utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let settings = try load(.all, environment: ["JWT_SECRET_FILE": file.path, "API_KEY": Self.key])
        #expect(settings.jwtSecret.bytes == Array(Self.secret.utf8))
        #expect(throws: SettingsError.self) { try load(.all, environment: ["JWT_SECRET_FILE": "/nonexistent/secret"]) }
    }

    @Test func developmentSecretsAreGeneratedOncePrivatelyAndShared() throws {
        defer { try? FileManager.default.removeItem(atPath: dataDirectory) }
        let user = try load(.user)
        let order = try load(.order)
        #expect(user.jwtSecret == order.jwtSecret && user.apiKey == order.apiKey)
        #expect(user.jwtSecret != user.apiKey)
        #expect(user.jwtSecret.bytes.count >= 32)
        let attributes = try FileManager.default.attributesOfItem(atPath: dataDirectory + "/secrets/jwt-secret")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
    }

    @Test func databaseURLs() throws {
        #expect(try ServerSettings.database("memory:", mode: .all, dataDirectory: "d") == .memory)
        #expect(try ServerSettings.database(nil, mode: .all, dataDirectory: "d") == .sqliteDirectory("d"))
        #expect(
            try ServerSettings.database("sqlite:/x/users.sqlite", mode: .user, dataDirectory: "d")
                == .sqliteFile("/x/users.sqlite"))
        #expect(
            try ServerSettings.database("sqlite:///x/data", mode: .all, dataDirectory: "d")
                == .sqliteDirectory("/x/data"))
        #expect(
            try ServerSettings.database("/var/lib/commerce", mode: .all, dataDirectory: "d")
                == .sqliteDirectory("/var/lib/commerce"))
        #expect(throws: SettingsError.self) {
            try ServerSettings.database("/x/one.sqlite", mode: .all, dataDirectory: "d")
        }
        #expect(throws: SettingsError.self) {
            try ServerSettings.database("postgres://db/x", mode: .user, dataDirectory: "d")
        }
        let postgres = try ServerSettings.database(
            "postgres://app:s3cret@db:6543/users", mode: .user, dataDirectory: "d")
        #expect("\(postgres)" == "postgres://app@db:6543/users?sslmode=prefer", "described without the password")
    }

    @Test func thePostgreSQLPoolIsSizedFromTheCoresUnlessSet() throws {
        #expect(try load(.all).databasePoolSize == 4 * ProcessInfo.processInfo.activeProcessorCount)
        #expect(try load(.all, environment: ["DATABASE_POOL_SIZE": "3"]).databasePoolSize == 3)
        #expect(throws: SettingsError.self) { try load(.all, environment: ["DATABASE_POOL_SIZE": "0"]) }
    }

    @Test func badValuesAreRefusedWithTheirName() throws {
        for (name, value) in [
            ("BCRYPT_COST", "3"), ("LOG_LEVEL", "loud"), ("JWT_TTL_SECONDS", "5"), ("USER_SERVICE_PORT", "70000"),
        ] {
            do {
                _ = try load(.all, environment: [name: value])
                Issue.record("\(name)=\(value) was accepted")
            } catch {
                #expect("\(error)".contains(name))
            }
        }
        #expect(throws: SettingsError.self) { try load(.all, environment: ["USER_SERVICE_PORT": "5000"]) }
    }
}

@Suite("commerce-server operations settings")
struct OperationsSettingsTests {
    let settings = ServerSettingsTests()

    @Test func logFormatGraceAndReadinessHaveDocumentedDefaults() throws {
        let loaded = try settings.load(.user)
        #expect(loaded.logFormat == .text)
        #expect(loaded.shutdownGracePeriod == .seconds(25))
        #expect(loaded.readinessBacklogAgeLimit == .seconds(900))
    }

    @Test func theyAreReadAndChecked() throws {
        let loaded = try settings.load(
            .user,
            environment: [
                "LOG_FORMAT": "JSON", "SHUTDOWN_GRACE_SECONDS": "5", "READY_MAX_DELETION_BACKLOG_SECONDS": "0",
            ])
        #expect(loaded.logFormat == .json)
        #expect(loaded.shutdownGracePeriod == .seconds(5))
        #expect(loaded.readinessBacklogAgeLimit == nil, "0 turns the backlog check off")
        for (name, value) in [
            ("LOG_FORMAT", "xml"), ("SHUTDOWN_GRACE_SECONDS", "0"), ("READY_MAX_DELETION_BACKLOG_SECONDS", "-1"),
        ] {
            #expect(throws: SettingsError.self, "\(name)=\(value)") {
                try settings.load(.user, environment: [name: value])
            }
        }
    }

    @Test func aPeerAddressMayBeAURLOrAHostAndPort() throws {
        #expect(
            try settings.load(.order, environment: ["USER_SERVICE_URL": "commerce-user:3000"]).userServiceURL
                == "http://commerce-user:3000")
        #expect(
            try settings.load(.user, environment: ["ORDER_SERVICE_URL": "https://orders.example.com"]).orderServiceURL
                == "https://orders.example.com")
        for bad in ["ftp://x", "http://", "not a url"] {
            #expect(throws: SettingsError.self, "\(bad)") {
                try settings.load(.order, environment: ["USER_SERVICE_URL": bad])
            }
        }
    }
}
