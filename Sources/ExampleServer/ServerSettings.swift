import CommerceCore
import CommercePostgres
import CommerceStorage
import Configuration
import Foundation
import Logging

/// Which services this process runs.
enum ServiceMode: String, Sendable, CaseIterable {
    case all, user, order
}

/// How log lines are written to standard output.
enum LogFormat: String, Sendable, CaseIterable {
    /// swift-log's text lines: time, level, label, message, metadata.
    case text
    /// One JSON object per line, for log collectors.
    case json
}

/// Where each service's data lives. Its description, which is logged, never holds a password.
enum DatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    /// Throwaway in-memory stores (`DATABASE_URL=memory:`).
    case memory
    /// SQLite files in a directory: `users.sqlite` and `orders.sqlite`.
    case sqliteDirectory(String)
    /// One SQLite file, for a process that runs a single service.
    case sqliteFile(String)
    /// A PostgreSQL database (`DATABASE_URL=postgres://…`), which replicas of a service share.
    case postgres(PostgresConnectionURL)

    var description: String {
        switch self {
        case .memory: "memory"
        case .sqliteDirectory(let directory): "sqlite directory \(directory)"
        case .sqliteFile(let file): "sqlite file \(file)"
        case .postgres(let url): url.description
        }
    }

    static func == (lhs: Self, rhs: Self) -> Bool {
        switch (lhs, rhs) {
        case (.memory, .memory): true
        case (.sqliteDirectory(let a), .sqliteDirectory(let b)), (.sqliteFile(let a), .sqliteFile(let b)): a == b
        case (.postgres(let a), .postgres(let b)): a.description == b.description
        default: false
        }
    }
}

/// Every setting of `commerce-server`, read once at start from flags, the environment and `.env` (in that
/// order of precedence), then checked. Secrets are never part of `description`.
struct ServerSettings: Sendable {
    var mode: ServiceMode
    var host: String
    var userServicePort: Int
    var orderServicePort: Int
    var dataDirectory: String
    var database: DatabaseLocation
    var jwtSecret: SigningSecret
    var apiKey: SigningSecret
    var userServiceURL: String
    var orderServiceURL: String
    var tokenLifetime: Duration
    var bcryptCost: UInt8
    var logLevel: Logger.Level
    var production: Bool
    /// The longest wait between two tries of a pending deletion (the propagator's back-off cap).
    var deletionRetryMaxDelay: Duration
    /// How long the Order service trusts "the user exists".
    var userCacheLifetime: Duration
    /// Browser origins allowed to call the services; empty: no CORS.
    var corsAllowedOrigins: [String]
    /// Text or JSON lines.
    var logFormat: LogFormat
    /// How long SIGTERM waits for in-flight requests and the propagator before cancelling them.
    var shutdownGracePeriod: Duration
    /// How old the oldest pending deletion may be before the User service is not ready; `nil`: no limit.
    var readinessBacklogAgeLimit: Duration?
    /// How long a replica holds the deletion events it claimed (PostgreSQL); half of it for a new event.
    var deletionLease: Duration

    /// Reads and checks every setting.
    /// - Throws: ``SettingsError`` with a one-line explanation of the first setting that is wrong.
    static func load(mode: ServiceMode, from config: ConfigReader) throws -> ServerSettings {
        let production = config.string(forKey: "commerce.env", default: "development") == "production"
        let dataDirectory = config.string(forKey: "commerce.data.dir", default: "./.commerce-data")
        let port = try config.int(forKey: "port").map { try checkedPort($0, "PORT") }
        let userPort = try checkedPort(
            mode == .user ? port ?? 3000 : config.int(forKey: "user.service.port", default: 3000),
            mode == .user ? "PORT" : "USER_SERVICE_PORT")
        let orderPort = try checkedPort(
            mode == .order ? port ?? 5000 : config.int(forKey: "order.service.port", default: 5000),
            mode == .order ? "PORT" : "ORDER_SERVICE_PORT")
        if mode == .all, userPort == orderPort {
            throw SettingsError("USER_SERVICE_PORT and ORDER_SERVICE_PORT must differ (both are \(userPort)).")
        }
        let secrets = try DevelopmentSecrets.resolve(
            jwtSecret: try secret(config, key: "jwt.secret", name: "JWT_SECRET"),
            apiKey: try secret(config, key: "api.key", name: "API_KEY"),
            production: production, dataDirectory: dataDirectory)
        let lifetime = config.int(forKey: "jwt.ttl.seconds", default: 3600)
        guard (60...86_400 * 30).contains(lifetime) else {
            throw SettingsError("JWT_TTL_SECONDS must be 60–2592000 seconds, not \(lifetime).")
        }
        let cost = config.int(forKey: "bcrypt.cost", default: 12)
        guard (4...31).contains(cost) else { throw SettingsError("BCRYPT_COST must be 4–31, not \(cost).") }
        if production, cost < 10 { throw SettingsError("BCRYPT_COST must be at least 10 in production.") }
        let levelName = config.string(forKey: "log.level", default: "info")
        guard let level = Logger.Level(rawValue: levelName.lowercased()) else {
            throw SettingsError("LOG_LEVEL must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        let retryMax = config.int(forKey: "deletion.retry.max.seconds", default: 30)
        guard (1...3600).contains(retryMax) else {
            throw SettingsError("DELETION_RETRY_MAX_SECONDS must be 1–3600, not \(retryMax).")
        }
        let cacheSeconds = config.int(forKey: "user.cache.ttl.seconds", default: 30)
        guard (0...3600).contains(cacheSeconds) else {
            throw SettingsError("USER_CACHE_TTL_SECONDS must be 0–3600, not \(cacheSeconds).")
        }
        let formatName = config.string(forKey: "log.format", default: "text")
        guard let format = LogFormat(rawValue: formatName.lowercased()) else {
            throw SettingsError("LOG_FORMAT must be text or json, not \(formatName).")
        }
        let grace = config.int(forKey: "shutdown.grace.seconds", default: 25)
        guard (1...3600).contains(grace) else {
            throw SettingsError("SHUTDOWN_GRACE_SECONDS must be 1–3600, not \(grace).")
        }
        let lease = config.int(forKey: "deletion.lease.seconds", default: 60)
        guard (6...3600).contains(lease) else {
            throw SettingsError("DELETION_LEASE_SECONDS must be 6–3600, not \(lease).")
        }
        let backlogLimit = config.int(forKey: "ready.max.deletion.backlog.seconds", default: 900)
        guard (0...86_400 * 30).contains(backlogLimit) else {
            throw SettingsError("READY_MAX_DELETION_BACKLOG_SECONDS must be 0–2592000, not \(backlogLimit).")
        }
        return ServerSettings(
            mode: mode, host: config.string(forKey: "host", default: "127.0.0.1"), userServicePort: userPort,
            orderServicePort: orderPort, dataDirectory: dataDirectory,
            database: try database(config.string(forKey: "database.url"), mode: mode, dataDirectory: dataDirectory),
            jwtSecret: secrets.jwtSecret, apiKey: secrets.apiKey,
            userServiceURL: try peerURL(
                config.string(forKey: "user.service.url", default: "http://127.0.0.1:\(userPort)"), "USER_SERVICE_URL"),
            orderServiceURL: try peerURL(
                config.string(forKey: "order.service.url", default: "http://127.0.0.1:\(orderPort)"), "ORDER_SERVICE_URL"),
            tokenLifetime: .seconds(lifetime), bcryptCost: UInt8(cost), logLevel: level, production: production,
            deletionRetryMaxDelay: .seconds(retryMax), userCacheLifetime: .seconds(cacheSeconds),
            corsAllowedOrigins: config.string(forKey: "cors.allowed.origins", default: "").split(separator: ",")
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty },
            logFormat: format, shutdownGracePeriod: .seconds(grace),
            readinessBacklogAgeLimit: backlogLimit == 0 ? nil : .seconds(backlogLimit), deletionLease: .seconds(lease))
    }

    /// The store location a `DATABASE_URL` names.
    static func database(_ url: String?, mode: ServiceMode, dataDirectory: String) throws -> DatabaseLocation {
        guard let url, !url.isEmpty else { return .sqliteDirectory(dataDirectory) }
        if url == "memory:" { return .memory }
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            do {
                return .postgres(try PostgresConnectionURL(url))
            } catch {
                throw SettingsError("DATABASE_URL \(error.fields.first?.message ?? "is not a usable PostgreSQL URL").")
            }
        }
        var path = url
        if path.hasPrefix("sqlite://") {
            path = String(path.dropFirst("sqlite://".count))
        } else if path.hasPrefix("sqlite:") {
            path = String(path.dropFirst("sqlite:".count))
        }
        guard !path.isEmpty else { throw SettingsError("DATABASE_URL names no path.") }
        if path.hasSuffix(".sqlite") || path.hasSuffix(".db") {
            guard mode != .all else {
                throw SettingsError("DATABASE_URL must name a directory (or memory:) when both services run in one process.")
            }
            return .sqliteFile(path)
        }
        return .sqliteDirectory(path)
    }

    /// A peer's base URL: `http://` or `https://` with a host; a bare `host:port` (what a platform such as
    /// Render hands out for a private address) means `http://host:port`.
    static func peerURL(_ text: String, _ name: String) throws -> String {
        let url = text.contains("://") ? text : "http://" + text
        guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""),
            let host = parsed.host(), !host.isEmpty
        else { throw SettingsError("\(name) must be an http(s) URL or host:port, not \(text).") }
        return url
    }

    private static func checkedPort(_ port: Int, _ name: String) throws -> Int {
        guard (0...65_535).contains(port) else { throw SettingsError("\(name) must be 0–65535, not \(port).") }
        return port
    }

    /// A secret from its variable, or from the file its `_FILE` variable names; `nil` when neither is set.
    private static func secret(_ config: ConfigReader, key: String, name: String) throws -> String? {
        if let value = config.string(forKey: ConfigKey(key), isSecret: true), !value.isEmpty { return value }
        guard let file = config.string(forKey: ConfigKey(key + ".file")), !file.isEmpty else { return nil }
        guard let contents = FileManager.default.contents(atPath: file) else {
            throw SettingsError("\(name)_FILE names \(file), which cannot be read.")
        }
        return String(decoding: contents, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// A setting is missing or wrong; the message names it and says what is expected, on one line.
struct SettingsError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
