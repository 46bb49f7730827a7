import ServiceLifecycle

/// A service that first runs its preparations (the PostgreSQL migrations), then runs: so an application
/// answers only once its database is ready, while the connection pool it needs already runs beside it.
struct PreparedService: Service {
    let prepare: [@Sendable () async throws -> Void]
    let service: any Service

    func run() async throws {
        for step in prepare { try await step() }
        try await service.run()
    }
}
