import CommerceCore
import CommercePostgres
import CommerceStorage
import Configuration
import Logging
import PostgresNIO

/// The one place that finds where the services' data lives (`COMMERCE_DATA_DIR`, `DATABASE_URL`) and
/// opens their stores there: `run`, `set-role` and `backup` all read it through here.
final class StoreOpener {
    /// Where the data is.
    let location: DatabaseLocation
    private let poolSize: Int
    private let logLevel: Logger.Level
    private let deletionLease: Duration
    /// How to close each store opened, in order.
    private(set) var closers: [@Sendable () throws -> Void] = []
    /// The PostgreSQL connection pool, once a PostgreSQL store is opened; it must run while they are used.
    private(set) var postgres: PostgresClient?
    /// What must happen before a store is used (PostgreSQL migrations), in order.
    private(set) var preparations: [@Sendable () async throws -> Void] = []

    /// - Parameters:
    ///   - poolSize: the most PostgreSQL connections (half of them for the order store's batches of pages).
    ///   - deletionLease: how long a PostgreSQL User replica holds the outbox events it claimed.
    init(
        location: DatabaseLocation, poolSize: Int, logLevel: Logger.Level,
        deletionLease: Duration = OutboxPropagator.Configuration().lease
    ) {
        self.location = location
        self.poolSize = poolSize
        self.logLevel = logLevel
        self.deletionLease = deletionLease
    }

    /// The location the settings name for `mode`, read as the services read it.
    static func location(from config: ConfigReader, mode: ServiceMode) throws -> DatabaseLocation {
        try ServerSettings.database(
            Setting.databaseURL.text(from: config), mode: mode,
            dataDirectory: Setting.dataDirectory.textOrDefault(from: config))
    }

    /// The User service's store.
    func userStore() throws -> any UserStore {
        if case .postgres(let url) = location {
            let store = PostgresUserStore(client: postgresClient(url), promptDeliveryWindow: deletionLease / 2)
            preparations.append(store.migrate)
            return store
        }
        guard let path = sqlitePath("users.sqlite") else { return InMemoryUserStore() }
        let store = try SQLiteUserStore(path: path)
        closers.append(store.close)
        return store
    }

    /// The Order service's store.
    func orderStore() throws -> any OrderStore {
        if case .postgres(let url) = location {
            // Half the pool for pages' batches; placements run one batch at a time (the store's default, see
            // its initializer), which leaves the rest of the pool for every other statement.
            let store = PostgresOrderStore(client: postgresClient(url), batchesInFlight: max(1, poolSize / 2))
            preparations.append(store.migrate)
            return store
        }
        guard let path = sqlitePath("orders.sqlite") else { return InMemoryOrderStore() }
        let store = try SQLiteOrderStore(path: path)
        closers.append(store.close)
        return store
    }

    /// Runs `body` with the stores opened so far ready (the pool running, the migrations done), then closes
    /// them: for a command that uses the stores once and ends.
    func whileOpen<Result: Sendable>(_ body: () async throws -> Result) async throws -> Result {
        defer { for close in closers { try? close() } }
        guard let postgres else { return try await body() }
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await postgres.run() }
            defer { group.cancelAll() }
            for prepare in preparations { try await prepare() }
            return try await body()
        }
    }

    /// The SQLite file a service keeps its data in (`file` in the data directory, or the one file named);
    /// `nil` for in-memory and PostgreSQL stores.
    private func sqlitePath(_ file: String) -> String? {
        switch location {
        case .memory, .postgres: nil
        case .sqliteDirectory(let directory): directory + "/" + file
        case .sqliteFile(let path): path
        }
    }

    /// The PostgreSQL pool for `url`, made once per process (in `all` mode both stores share it).
    private func postgresClient(_ url: PostgresConnectionURL) -> PostgresClient {
        if let postgres { return postgres }
        var configuration = url.configuration
        configuration.options.maximumConnections = poolSize
        var logger = Logger(label: "commerce.postgres")
        logger.logLevel = max(logLevel, .notice)
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        postgres = client
        return client
    }
}
