import ArgumentParser
import Configuration
import Foundation
import Logging
import SystemPackage

/// `commerce-server [all|user|order]`: the User and Order services over HTTP.
@main
struct CommerceServer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "commerce-server",
        abstract: "The swift-commerce User and Order services over HTTP.",
        discussion: """
            Settings come from flags, then the environment, then a .env file in the working directory.
            See Documentation/Configuration.md for every setting.
            """,
        subcommands: [All.self, User.self, Order.self, Backup.self],
        defaultSubcommand: All.self)
}

/// Flags shared by every mode; each overrides the environment variable of the same meaning.
struct SharedOptions: ParsableArguments {
    @Option(help: "Address to bind (HOST; default 127.0.0.1).") var host: String?
    @Option(help: "Data directory (COMMERCE_DATA_DIR; default ./.commerce-data).") var dataDir: String?
    @Option(help: "Database: a directory, a .sqlite file (one service), or memory: (DATABASE_URL).") var databaseURL: String?
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (LOG_LEVEL).") var logLevel: String?
    @Option(help: "Log lines as text or json (LOG_FORMAT; default text).") var logFormat: String?
    @Option(help: "Seconds SIGTERM waits for in-flight requests (SHUTDOWN_GRACE_SECONDS; default 25).")
    var shutdownGraceSeconds: Int?
    @Option(help: "Oldest pending deletion, seconds, before the User service is not ready; 0: no limit (READY_MAX_DELETION_BACKLOG_SECONDS; default 900).")
    var readyMaxDeletionBacklogSeconds: Int?
    @Option(help: "Seconds a User service replica holds the deletions it claimed, PostgreSQL only (DELETION_LEASE_SECONDS; default 60).")
    var deletionLeaseSeconds: Int?
    @Option(help: "bcrypt cost 4–31 (BCRYPT_COST; default 12).") var bcryptCost: Int?
    @Option(help: "Token lifetime in seconds (JWT_TTL_SECONDS; default 3600).") var jwtTTLSeconds: Int?
    @Option(help: "User service base URL, for the Order service (USER_SERVICE_URL).") var userServiceURL: String?
    @Option(help: "Order service base URL, for the User service (ORDER_SERVICE_URL).") var orderServiceURL: String?
    @Option(help: "Environment; production refuses weak or missing secrets (COMMERCE_ENV).") var env: String?
    @Option(help: "Longest wait between deletion propagation tries, seconds (DELETION_RETRY_MAX_SECONDS; default 30).")
    var deletionRetryMaxSeconds: Int?
    @Option(help: "How long the Order service trusts that a user exists, seconds (USER_CACHE_TTL_SECONDS; default 30).")
    var userCacheTTLSeconds: Int?
    @Option(help: "Comma-separated browser origins allowed by CORS (CORS_ALLOWED_ORIGINS; default none).")
    var corsAllowedOrigins: String?

    /// The flags as configuration values, ahead of every other provider.
    func values(port: Int?, userServicePort: Int?, orderServicePort: Int?) -> [AbsoluteConfigKey: ConfigValue] {
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        func set(_ key: String, _ value: ConfigContent?) {
            if let value { values[AbsoluteConfigKey(key.split(separator: ".").map(String.init))] = .init(value, isSecret: false) }
        }
        set("host", host.map { .string($0) })
        set("commerce.data.dir", dataDir.map { .string($0) })
        set("database.url", databaseURL.map { .string($0) })
        set("log.level", logLevel.map { .string($0) })
        set("log.format", logFormat.map { .string($0) })
        set("shutdown.grace.seconds", shutdownGraceSeconds.map { .int($0) })
        set("ready.max.deletion.backlog.seconds", readyMaxDeletionBacklogSeconds.map { .int($0) })
        set("deletion.lease.seconds", deletionLeaseSeconds.map { .int($0) })
        set("bcrypt.cost", bcryptCost.map { .int($0) })
        set("jwt.ttl.seconds", jwtTTLSeconds.map { .int($0) })
        set("user.service.url", userServiceURL.map { .string($0) })
        set("order.service.url", orderServiceURL.map { .string($0) })
        set("commerce.env", env.map { .string($0) })
        set("deletion.retry.max.seconds", deletionRetryMaxSeconds.map { .int($0) })
        set("user.cache.ttl.seconds", userCacheTTLSeconds.map { .int($0) })
        set("cors.allowed.origins", corsAllowedOrigins.map { .string($0) })
        set("port", port.map { .int($0) })
        set("user.service.port", userServicePort.map { .int($0) })
        set("order.service.port", orderServicePort.map { .int($0) })
        return values
    }

    /// Reads flags, environment and `.env`, checks them, and runs `mode`. A bad setting ends the process
    /// with one line on standard error and exit code 1.
    func run(_ mode: ServiceMode, port: Int? = nil, userServicePort: Int? = nil, orderServicePort: Int? = nil)
        async throws
    {
        let settings: ServerSettings
        do {
            let config = ConfigReader(providers: [
                InMemoryProvider(name: "flags", values: values(port: port, userServicePort: userServicePort, orderServicePort: orderServicePort)),
                EnvironmentVariablesProvider(),
                try await EnvironmentVariablesProvider(environmentFilePath: ".env", allowMissing: true),
            ])
            settings = try ServerSettings.load(mode: mode, from: config)
        } catch {
            FileHandle.standardError.write(Data("commerce-server: \(error)\n".utf8))
            throw ExitCode(1)
        }
        settings.logFormat.bootstrap(level: settings.logLevel)
        try await ServerRunner(settings: settings).run()
    }
}

extension CommerceServer {
    struct All: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run both services in one process (3000 and 5000).")
        @OptionGroup var options: SharedOptions
        @Option(help: "User service port (USER_SERVICE_PORT; default 3000).") var userServicePort: Int?
        @Option(help: "Order service port (ORDER_SERVICE_PORT; default 5000).") var orderServicePort: Int?

        func run() async throws {
            try await options.run(.all, userServicePort: userServicePort, orderServicePort: orderServicePort)
        }
    }

    struct User: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run the User service (PORT; default 3000).")
        @OptionGroup var options: SharedOptions
        @Option(help: "Port (PORT; default 3000).") var port: Int?

        func run() async throws { try await options.run(.user, port: port) }
    }

    struct Order: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run the Order service (PORT; default 5000).")
        @OptionGroup var options: SharedOptions
        @Option(help: "Port (PORT; default 5000).") var port: Int?

        func run() async throws { try await options.run(.order, port: port) }
    }
}
