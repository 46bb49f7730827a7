import CommerceCore
import CommerceHTTP
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
    /// The most PostgreSQL connections the process opens.
    var databasePoolSize: Int
    var jwtSecret: SigningSecret
    var apiKey: SigningSecret
    var userServiceURL: String
    var orderServiceURL: String
    /// How long an access token is valid.
    var accessTokenLifetime: Duration
    /// How long a refresh token keeps a session going.
    var refreshTokenLifetime: Duration
    var bcryptCost: UInt8
    var logLevel: Logger.Level
    var production: Bool
    /// The longest wait between two tries of a pending deletion (the propagator's back-off cap).
    var deletionRetryMaxDelay: Duration
    /// How long the Order service trusts "the user exists".
    var userCacheLifetime: Duration
    /// How long an idempotency key answers a retry.
    var idempotencyWindow: Duration
    /// Proxies whose forwarding headers name the client.
    var trustedProxies: TrustedProxies
    /// Browser origins allowed to call the services; empty: no CORS.
    var corsAllowedOrigins: [String]
    /// Text or JSON lines.
    var logFormat: LogFormat
    /// How long SIGTERM waits for in-flight requests and the propagator before cancelling them.
    var shutdownGracePeriod: Duration
    /// How long a request body may take to arrive.
    var bodyReadTimeout: Duration
    /// How old the oldest pending deletion may be before the User service is not ready; `nil`: no limit.
    var readinessBacklogAgeLimit: Duration?
    /// How long a replica holds the deletion events it claimed (PostgreSQL); half of it for a new event.
    var deletionLease: Duration
    /// Where order prices come from.
    var pricing: PricingMode
    /// What a user's deletion does to their orders.
    var deletionPolicy: DeletionPolicy
    /// Where password-reset tokens are POSTed, and the key that signs them; `nil`: the development
    /// notifier (never in production).
    var notifyWebhook: (url: String, secret: SigningSecret)?
    /// How long a webhook delivery is retried after its event.
    var webhookRetryWindow = WebhookDispatcher.Configuration().retryWindow
    /// How long a finished webhook delivery is kept after its event.
    var webhookRetention = WebhookDispatcher.Configuration().retention
    /// How long a webhook endpoint may take to answer.
    var webhookTimeout: Duration = .seconds(10)
    /// Whether webhooks may go to private and loopback addresses.
    var webhookAllowPrivate = true

    /// Reads and checks every setting (each declared once, as a ``Setting``).
    /// - Throws: ``SettingsError`` with a one-line explanation of the first setting that is wrong.
    static func load(mode: ServiceMode, from config: ConfigReader) throws -> ServerSettings {
        let production = Setting.environment.text(from: config) == "production"
        let dataDirectory = Setting.dataDirectory.textOrDefault(from: config)
        var userPort = Setting.userServicePort.integerDefault
        var orderPort = Setting.orderServicePort.integerDefault
        switch mode {
        case .all:
            userPort = try Setting.userServicePort.integer(from: config)
            orderPort = try Setting.orderServicePort.integer(from: config)
            if userPort == orderPort {
                throw SettingsError("USER_SERVICE_PORT and ORDER_SERVICE_PORT must differ (both are \(userPort)).")
            }
        case .user:
            userPort = try Setting.port.optionalInteger(from: config) ?? userPort
        case .order:
            orderPort = try Setting.port.optionalInteger(from: config) ?? orderPort
        }
        let secrets = try DevelopmentSecrets.resolve(
            jwtSecret: try secret(config, Setting.jwtSecret, file: Setting.jwtSecretFile),
            apiKey: try secret(config, Setting.apiKey, file: Setting.apiKeyFile),
            production: production, dataDirectory: dataDirectory)
        // ACCESS_TOKEN_TTL_SECONDS, or its old name JWT_TTL_SECONDS.
        let lifetime =
            try Setting.accessTokenLifetime.optionalInteger(from: config)
            ?? Setting.legacyAccessTokenLifetime.integer(from: config)
        let cost = try Setting.bcryptCost.integer(from: config)
        if production, cost < 10 { throw SettingsError("BCRYPT_COST must be at least 10 in production.") }
        let backlogLimit = try Setting.readinessBacklogLimit.integer(from: config)
        let webhook = try notifyWebhook(config, mode: mode, production: production)
        let pricing = try Setting.pricing.choice(PricingMode.self, from: config)
        if production, pricing == .client, mode != .user {
            throw SettingsError(
                "PRICING=client lets every client choose what it pays; it is refused when COMMERCE_ENV=production.")
        }
        return ServerSettings(
            mode: mode, host: Setting.host.textOrDefault(from: config), userServicePort: userPort,
            orderServicePort: orderPort, dataDirectory: dataDirectory,
            database: try database(Setting.databaseURL.text(from: config), mode: mode, dataDirectory: dataDirectory),
            databasePoolSize: try Setting.databasePoolSize.optionalInteger(from: config)
                ?? 4 * ProcessInfo.processInfo.activeProcessorCount,
            jwtSecret: secrets.jwtSecret, apiKey: secrets.apiKey,
            userServiceURL: try peerURL(
                Setting.userServiceURL.text(from: config) ?? "http://127.0.0.1:\(userPort)", "USER_SERVICE_URL"),
            orderServiceURL: try peerURL(
                Setting.orderServiceURL.text(from: config) ?? "http://127.0.0.1:\(orderPort)", "ORDER_SERVICE_URL"),
            accessTokenLifetime: .seconds(lifetime),
            refreshTokenLifetime: try Setting.refreshTokenLifetime.seconds(from: config),
            bcryptCost: UInt8(cost), logLevel: try Setting.logLevel.choice(Logger.Level.self, from: config),
            production: production,
            deletionRetryMaxDelay: try Setting.deletionRetryMax.seconds(from: config),
            userCacheLifetime: try Setting.userCacheLifetime.seconds(from: config),
            idempotencyWindow: try Setting.idempotencyTTL.seconds(from: config),
            trustedProxies: try trustedProxies(Setting.trustedProxies.text(from: config)),
            corsAllowedOrigins: (Setting.corsAllowedOrigins.text(from: config) ?? "").split(separator: ",")
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty },
            logFormat: try Setting.logFormat.choice(LogFormat.self, from: config),
            shutdownGracePeriod: try Setting.shutdownGrace.seconds(from: config),
            bodyReadTimeout: try Setting.bodyReadTimeout.seconds(from: config),
            readinessBacklogAgeLimit: backlogLimit == 0 ? nil : .seconds(backlogLimit),
            deletionLease: try Setting.deletionLease.seconds(from: config),
            pricing: pricing,
            deletionPolicy: try Setting.deletionPolicy.choice(DeletionPolicy.self, from: config),
            notifyWebhook: webhook,
            webhookRetryWindow: try Setting.webhookRetryHours.hours(from: config),
            webhookRetention: try Setting.webhookRetentionHours.hours(from: config),
            webhookTimeout: try Setting.webhookTimeout.seconds(from: config),
            webhookAllowPrivate: try Setting.webhookAllowPrivate.text(from: config).map { text in
                guard let allowed = ["true": true, "false": false][text.lowercased()] else {
                    throw SettingsError("WEBHOOK_ALLOW_PRIVATE must be true or false.")
                }
                return allowed
            } ?? !production)
    }

    /// The webhook password-reset tokens go to. Without one, a User service outside production logs them
    /// (the development notifier); in production that would put credentials in the logs, so it is refused.
    static func notifyWebhook(_ config: ConfigReader, mode: ServiceMode, production: Bool) throws -> (
        url: String, secret: SigningSecret
    )? {
        guard mode != .order else { return nil }
        let secret = try secret(config, Setting.notifyWebhookSecret, file: Setting.notifyWebhookSecretFile)
        guard let url = Setting.notifyWebhookURL.text(from: config), !url.isEmpty else {
            if production {
                throw SettingsError(
                    "NOTIFY_WEBHOOK_URL is required when COMMERCE_ENV=production: password resets must reach users, and the development notifier would log their tokens."
                )
            }
            return nil
        }
        guard isHTTPURL(url) else { throw SettingsError("NOTIFY_WEBHOOK_URL must be an http(s) URL, not \(url).") }
        guard let secret else {
            throw SettingsError(
                "NOTIFY_WEBHOOK_SECRET (or NOTIFY_WEBHOOK_SECRET_FILE) is required with NOTIFY_WEBHOOK_URL.")
        }
        do {
            return (url, try SigningSecret(secret, field: "NOTIFY_WEBHOOK_SECRET"))
        } catch {
            throw SettingsError("NOTIFY_WEBHOOK_SECRET must be at least 32 bytes.")
        }
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
                throw SettingsError(
                    "DATABASE_URL must name a directory (or memory:) when both services run in one process.")
            }
            return .sqliteFile(path)
        }
        return .sqliteDirectory(path)
    }

    /// The proxies `TRUSTED_PROXIES` names, comma-separated.
    static func trustedProxies(_ text: String?) throws -> TrustedProxies {
        let entries = (text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        do {
            return try TrustedProxies(entries)
        } catch {
            throw SettingsError("TRUSTED_PROXIES: \(error).")
        }
    }

    /// A peer's base URL: `http://` or `https://` with a host; a bare `host:port` (what a platform such as
    /// Render hands out for a private address) means `http://host:port`.
    static func peerURL(_ text: String, _ name: String) throws -> String {
        let url = text.contains("://") ? text : "http://" + text
        guard isHTTPURL(url) else { throw SettingsError("\(name) must be an http(s) URL or host:port, not \(text).") }
        return url
    }

    /// Whether `url` is an `http` or `https` URL with a host.
    private static func isHTTPURL(_ url: String) -> Bool {
        guard let parsed = URL(string: url), let host = parsed.host(), !host.isEmpty else { return false }
        return ["http", "https"].contains(parsed.scheme?.lowercased() ?? "")
    }

    /// A secret from its variable, or from the file its `_FILE` variable names; `nil` when neither is set.
    private static func secret(_ config: ConfigReader, _ setting: Setting, file fileSetting: Setting) throws -> String?
    {
        if let value = config.string(forKey: setting.configKey, isSecret: true), !value.isEmpty { return value }
        guard let file = fileSetting.text(from: config), !file.isEmpty else { return nil }
        guard let contents = FileManager.default.contents(atPath: file) else {
            throw SettingsError("\(fileSetting.environmentName) names \(file), which cannot be read.")
        }
        return String(decoding: contents, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// A setting is missing or wrong; the message names it and says what is expected, on one line.
struct SettingsError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
