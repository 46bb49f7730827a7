import ServiceLifecycle

/// What must happen once per process before any service answers (the PostgreSQL migrations): run by the
/// first service that asks, awaited by every other one.
actor Preparation {
    private let steps: [@Sendable () async throws -> Void]
    private var running: Task<Void, any Error>?

    init(steps: [@Sendable () async throws -> Void]) { self.steps = steps }

    /// Runs the steps, in order, the first time it is called; later calls wait for that run's outcome.
    func run() async throws {
        let steps = steps
        let task = running ?? Task { for step in steps { try await step() } }
        running = task
        try await task.value
    }
}

/// A service that waits for the process's ``Preparation``, then runs: so an application answers only once
/// its database is ready, while the connection pool it needs already runs beside it.
struct PreparedService: Service {
    let preparation: Preparation
    let service: any Service

    func run() async throws {
        try await preparation.run()
        try await service.run()
    }
}
