import CommerceBcrypt
import CommerceCore
import Configuration
import Foundation
import Logging

/// One setting of `commerce-server`, declared once: its configuration key — from which its environment
/// variable (`jwt.ttl.seconds` → `JWT_TTL_SECONDS`) and its flag (`--jwt-ttl-seconds`) are derived — its
/// default, the values it accepts and its help. The flags the commands accept, the checks
/// ``ServerSettings/load(mode:from:)`` makes, the help text and the test of Configuration.md all read
/// these declarations. A default the library has (a token's lifetime, a lease) is the library's, read
/// from it, so the server and an embedding application start alike.
struct Setting: Sendable, Hashable {
    /// What a setting's value may be.
    enum Values: Sendable, Hashable {
        /// Any text.
        case text
        /// A whole number within the range.
        case integer(ClosedRange<Int>)
        /// One of these words, in any case.
        case choice([String])
        /// A secret: never a flag (a command line is visible to every user of the machine).
        case secret
    }

    /// What a setting is when it is not set.
    enum Default: Sendable, Hashable {
        /// This whole number.
        case integer(Int)
        /// This text (or word, for a choice).
        case text(String)
        /// Something made when it is needed (generated secrets, a URL from a port): these words say what.
        case described(String)

        /// A duration, in whole seconds.
        static func seconds(_ duration: Duration) -> Default { .integer(Int(duration.components.seconds)) }
        /// A duration, in whole hours.
        static func hours(_ duration: Duration) -> Default { .integer(Int(duration.components.seconds / 3600)) }

        /// How the help says it.
        var description: String {
            switch self {
            case .integer(let value): "\(value)"
            case .text(let text), .described(let text): text
            }
        }
    }

    /// The dotted configuration key.
    let key: String
    /// The flag's name without `--`; `nil` for a setting with no flag.
    let flag: String?
    /// What it is when unset.
    let defaultValue: Default
    /// What it accepts.
    let values: Values
    /// What it means, in a line.
    let help: String
    /// The commands whose flags include it.
    let modes: Set<ServiceMode>

    /// - Parameter flag: the flag's name when it is not the key's (`data-dir` for `commerce.data.dir`).
    init(
        _ key: String, flag: String? = nil, default defaultValue: Default, _ values: Values,
        modes: Set<ServiceMode> = Set(ServiceMode.allCases),
        help: String
    ) {
        self.key = key
        self.flag = values == .secret ? nil : (flag ?? key.replacingOccurrences(of: ".", with: "-"))
        self.defaultValue = defaultValue
        self.values = values
        self.help = help
        self.modes = modes
    }

    /// The environment variable, as swift-configuration's environment provider spells the key.
    var environmentName: String { key.uppercased().replacingOccurrences(of: ".", with: "_") }

    /// The key for a ``ConfigReader``.
    var configKey: ConfigKey { ConfigKey(key) }

    /// The declared whole-number default.
    var integerDefault: Int {
        guard case .integer(let value) = defaultValue else { preconditionFailure("\(key) has no number default") }
        return value
    }

    /// The whole number this setting holds, its default when unset.
    /// - Throws: ``SettingsError`` naming the variable and its range when the value is outside it.
    func integer(from config: ConfigReader) throws -> Int {
        try optionalInteger(from: config) ?? integerDefault
    }

    /// The seconds this setting holds, its default when unset.
    /// - Throws: ``SettingsError`` naming the variable and its range when the value is outside it.
    func seconds(from config: ConfigReader) throws -> Duration {
        .seconds(try integer(from: config))
    }

    /// The hours this setting holds, its default when unset.
    /// - Throws: ``SettingsError`` naming the variable and its range when the value is outside it.
    func hours(from config: ConfigReader) throws -> Duration {
        .seconds(3600 * (try integer(from: config)))
    }

    /// The whole number this setting holds, `nil` when unset.
    /// - Throws: ``SettingsError`` naming the variable and its range when the value is outside it.
    func optionalInteger(from config: ConfigReader) throws -> Int? {
        guard case .integer(let range) = values else { preconditionFailure("\(key) is not a number") }
        guard let value = config.int(forKey: configKey) else { return nil }
        guard range.contains(value) else {
            throw SettingsError("\(environmentName) must be \(range.lowerBound)–\(range.upperBound), not \(value).")
        }
        return value
    }

    /// The choice this setting holds, its default when unset; the words it takes are `Choice`'s raw values.
    /// - Throws: ``SettingsError`` naming the variable and the words it takes.
    func choice<Choice: RawRepresentable & CaseIterable>(_: Choice.Type, from config: ConfigReader) throws -> Choice
    where Choice.RawValue == String {
        let value = config.string(forKey: configKey) ?? defaultValue.description
        guard let choice = Choice.allCases.first(where: { $0.rawValue == value.lowercased() }) else {
            let words = Choice.allCases.map(\.rawValue).joined(separator: ", ")
            throw SettingsError("\(environmentName) must be one of \(words), not \(value).")
        }
        return choice
    }

    /// The text this setting holds, `nil` when unset.
    func text(from config: ConfigReader) -> String? { config.string(forKey: configKey) }

    /// The text this setting holds, its declared text default when unset.
    func textOrDefault(from config: ConfigReader) -> String {
        guard case .text(let fallback) = defaultValue else { preconditionFailure("\(key) has no text default") }
        return text(from: config) ?? fallback
    }
}

extension Setting {
    static let port = Setting(
        "port", default: .described("\(userServicePort.integerDefault) / \(orderServicePort.integerDefault)"),
        .integer(0...65_535), modes: [.user, .order],
        help: "the port in user / order mode")
    static let userServicePort = Setting(
        "user.service.port", default: .integer(3000), .integer(0...65_535), modes: [.all],
        help: "the User service's port in all mode")
    static let orderServicePort = Setting(
        "order.service.port", default: .integer(5000), .integer(0...65_535), modes: [.all],
        help: "the Order service's port in all mode")
    static let host = Setting("host", default: .text("127.0.0.1"), .text, help: "address to bind")
    static let dataDirectory = Setting(
        "commerce.data.dir", flag: "data-dir", default: .text("./.commerce-data"), .text,
        help: "SQLite files and generated development secrets")
    static let databaseURL = Setting(
        "database.url", default: .described("the data directory"), .text,
        help: "memory:, a directory, a .sqlite file (one service per process) or postgres://…")
    static let databasePoolSize = Setting(
        "database.pool.size", default: .described("4 × the cores"), .integer(1...1000),
        help: "PostgreSQL: the most connections this process opens")
    static let jwtSecret = Setting(
        "jwt.secret", default: .described("generated (development)"), .secret,
        help: "HS256 key, at least 32 bytes, shared by both services")
    static let jwtSecretFile = Setting(
        "jwt.secret.file", default: .described("none"), .secret, help: "a file holding JWT_SECRET")
    static let apiKey = Setting(
        "api.key", default: .described("generated (development)"), .secret,
        help: "internal key (x-api-key), at least 32 bytes, shared by both services")
    static let apiKeyFile = Setting(
        "api.key.file", default: .described("none"), .secret, help: "a file holding API_KEY")
    static let userServiceURL = Setting(
        "user.service.url", default: .described("http://127.0.0.1:<user port>"), .text,
        help: "where the Order service finds the User service: http(s)://… or host:port")
    static let orderServiceURL = Setting(
        "order.service.url", default: .described("http://127.0.0.1:<order port>"), .text,
        help: "where the User service finds the Order service: http(s)://… or host:port")
    static let accessTokenLifetime = Setting(
        "access.token.ttl.seconds", default: .seconds(TokenService.Configuration.defaultLifetime),
        .integer(60...86_400), help: "access token lifetime, seconds")
    static let legacyAccessTokenLifetime = Setting(
        "jwt.ttl.seconds", default: accessTokenLifetime.defaultValue, .integer(60...86_400),
        help: "the old name of ACCESS_TOKEN_TTL_SECONDS")
    static let refreshTokenLifetime = Setting(
        "refresh.token.ttl.seconds", default: .seconds(UserService.defaultRefreshLifetime),
        .integer(300...86_400 * 365),
        help: "how long a refresh token keeps a session going, seconds")
    static let bcryptCost = Setting(
        "bcrypt.cost", default: .integer(Int(BcryptPasswordHasher.defaultCost)), .integer(4...31),
        help: "bcrypt work factor (at least 10 in production)")
    static let logLevel = Setting(
        "log.level", default: .text(Logger.Level.info.rawValue), .choice(Logger.Level.allCases.map(\.rawValue)),
        help: "the lowest level logged")
    static let logFormat = Setting(
        "log.format", default: .text(LogFormat.text.rawValue), .choice(LogFormat.allCases.map(\.rawValue)),
        help: "json: one JSON object per line")
    static let shutdownGrace = Setting(
        "shutdown.grace.seconds", default: .integer(25), .integer(1...3600),
        help: "after SIGTERM, how long requests in flight may run")
    static let bodyReadTimeout = Setting(
        "body.read.timeout.seconds", default: .integer(30), .integer(1...600),
        help: "how long a request body may take to arrive; past it the answer is 408")
    static let readinessBacklogLimit = Setting(
        "ready.max.deletion.backlog.seconds",
        default: .seconds(OutboxPropagator.Configuration().readinessBacklogAgeLimit ?? .zero),
        .integer(0...86_400 * 30),
        help: "the User service is not ready once a deletion has waited this long; 0: never")
    static let deletionLease = Setting(
        "deletion.lease.seconds", default: .seconds(OutboxPropagator.Configuration().lease), .integer(6...3600),
        help: "PostgreSQL: how long a User replica holds the deletions it claimed")
    static let deletionRetryMax = Setting(
        "deletion.retry.max.seconds", default: .seconds(RetryPolicy.background.maxDelay), .integer(1...3600),
        help: "longest wait between two tries of a pending deletion")
    static let userCacheLifetime = Setting(
        "user.cache.ttl.seconds", default: .seconds(OrderService.Configuration().userCacheLifetime), .integer(0...3600),
        help: "how long the Order service trusts that a user exists; 0: ask every time")
    static let pricing = Setting(
        "pricing", default: .text(OrderService.Configuration().pricing.rawValue),
        .choice(PricingMode.allCases.map(\.rawValue)), modes: [.all, .order],
        help: "catalog: the shop's prices; client: the seed's client-priced orders (refused in production)")
    static let deletionPolicy = Setting(
        "deletion.policy", default: .text(OrderService.Configuration().deletionPolicy.rawValue),
        .choice(DeletionPolicy.allCases.map(\.rawValue)), modes: [.all, .order],
        help: "what a user's deletion does to their orders: purge them, or anonymise them for the books")
    static let idempotencyTTL = Setting(
        "idempotency.ttl.seconds", default: .seconds(OrderService.Configuration().idempotencyWindow),
        .integer(60...86_400 * 30),
        help: "how long an Idempotency-Key answers a retry; expired keys are swept within a minute")
    static let webhookRetryHours = Setting(
        "webhook.retry.hours", default: .hours(WebhookDispatcher.Configuration().retryWindow), .integer(1...720),
        modes: [.all, .order],
        help: "how long a webhook delivery is retried after its event before it is failed, hours")
    static let webhookRetentionHours = Setting(
        "webhook.retention.hours", default: .hours(WebhookDispatcher.Configuration().retention),
        .integer(1...8760), modes: [.all, .order],
        help: "how long a finished webhook delivery and its event are kept after the event, hours")
    static let webhookTimeout = Setting(
        "webhook.timeout.seconds", default: .integer(10), .integer(1...60), modes: [.all, .order],
        help: "how long a webhook endpoint may take to answer a delivery")
    static let webhookAllowPrivate = Setting(
        "webhook.allow.private", default: .described("true, false in production"), .choice(["true", "false"]),
        modes: [.all, .order],
        help: "whether webhooks may go to loopback, private and link-local addresses")
    static let trustedProxies = Setting(
        "trusted.proxies", default: .described("none"), .text,
        help: "comma-separated proxy addresses or CIDR ranges whose X-Forwarded-For / Forwarded names the client")
    static let corsAllowedOrigins = Setting(
        "cors.allowed.origins", default: .described("none"), .text,
        help: "comma-separated browser origins allowed by CORS")
    static let notifyWebhookURL = Setting(
        "notify.webhook.url",
        default: .described("none: the development notifier logs reset tokens (refused in production)"),
        .text, modes: [.all, .user],
        help: "where password-reset tokens are POSTed as signed JSON (the shop's mail service)")
    static let notifyWebhookSecret = Setting(
        "notify.webhook.secret", default: .described("none"), .secret, modes: [.all, .user],
        help: "HMAC key of the webhook's X-Commerce-Signature, at least 32 bytes; required with the URL")
    static let notifyWebhookSecretFile = Setting(
        "notify.webhook.secret.file", default: .described("none"), .secret, modes: [.all, .user],
        help: "a file holding NOTIFY_WEBHOOK_SECRET")
    static let environment = Setting(
        "commerce.env", flag: "env", default: .text("development"), .text,
        help: "production refuses missing or weak secrets, the development notifier and client pricing")

    /// Every setting the server reads, in the order the help lists them.
    static let all: [Setting] = [
        port, userServicePort, orderServicePort, host, dataDirectory, databaseURL, databasePoolSize, jwtSecret,
        jwtSecretFile, apiKey,
        apiKeyFile, userServiceURL, orderServiceURL, accessTokenLifetime, legacyAccessTokenLifetime,
        refreshTokenLifetime, bcryptCost, logLevel, logFormat, shutdownGrace,
        bodyReadTimeout, readinessBacklogLimit, deletionLease, deletionRetryMax, userCacheLifetime, pricing,
        deletionPolicy, idempotencyTTL, webhookRetryHours, webhookRetentionHours, webhookTimeout, webhookAllowPrivate,
        trustedProxies, corsAllowedOrigins, notifyWebhookURL, notifyWebhookSecret, notifyWebhookSecretFile,
        environment,
    ]

    /// The help text of a command's settings: one line each, flag, variable, default and meaning.
    static func help(for mode: ServiceMode) -> String { help(of: all.filter { $0.modes.contains(mode) }) }

    /// The help text of these settings: one line each, flag, variable, default and meaning.
    static func help(of settings: [Setting]) -> String {
        let lines = settings.map { setting in
            let flag = setting.flag.map { "--\($0), " } ?? ""
            return
                "\(flag)\(setting.environmentName) (default: \(setting.defaultValue.description))\n    \(setting.help)"
        }
        return """
            Settings come from flags, then the environment, then a .env file in the working directory. \
            Secrets have no flag.

            """ + lines.joined(separator: "\n")
    }
}
