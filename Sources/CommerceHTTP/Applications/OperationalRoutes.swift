import CommerceCore
import CommerceSupport
import Hummingbird
import Logging
import NIOCore
import Prometheus

/// One readiness check: a name, whether it passed, and what an operator needs to know.
struct ReadinessCheck: JSONWritable, Sendable {
    var name: String
    var status: String
    /// Why the check failed, in words that reveal no path or secret (details go to the log).
    var reason: String?
    var pendingDeletions: Int?
    var oldestPendingDeletionAgeSeconds: Int?
    var limitSeconds: Int?

    var passed: Bool { status == "up" }

    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("limitSeconds", limitSeconds)
        writer.member("name", name)
        writer.member("oldestPendingDeletionAgeSeconds", oldestPendingDeletionAgeSeconds)
        writer.member("pendingDeletions", pendingDeletions)
        writer.member("reason", reason)
        writer.member("status", status)
        writer.endObject()
    }

    /// `database`: the store answers a query within `timeout` (a hung database is not ready either). A
    /// failure is logged with its detail.
    static func database(
        _ check: @escaping @Sendable () async throws -> Void, timeout: Duration, logger: Logger
    ) async -> ReadinessCheck {
        do {
            try await answer(within: timeout, check)
            return ReadinessCheck(name: "database", status: "up")
        } catch {
            logger.warning("readiness: the database does not answer", metadata: ["error": "\(error)"])
            return ReadinessCheck(name: "database", status: "down", reason: "The database does not answer.")
        }
    }

    /// `deletionBacklog`: the oldest pending deletion is within the propagator's readiness limit. The backlog
    /// is read from the database, so it too gets `timeout`: a database that is down makes this check fail,
    /// not `GET /ready` hang.
    static func deletionBacklog(_ propagator: OutboxPropagator, timeout: Duration) async -> ReadinessCheck {
        guard let backlog = try? await answer(within: timeout, { try await propagator.backlog() }) else {
            return ReadinessCheck(name: "deletionBacklog", status: "down", reason: "The backlog cannot be read.")
        }
        let within = propagator.isWithinReadinessLimit(backlog)
        return ReadinessCheck(
            name: "deletionBacklog", status: within ? "up" : "down",
            reason: within ? nil : "User deletions have waited too long for the Order service.",
            pendingDeletions: backlog.count,
            oldestPendingDeletionAgeSeconds: Int(propagator.age(of: backlog).timeInterval),
            limitSeconds: propagator.configuration.readinessBacklogAgeLimit.map { Int($0.timeInterval) })
    }
}

/// `body`'s answer, or `CommerceError.unavailable` once `timeout` has passed (and `body` is cancelled): the
/// operational routes answer even while the database does not.
func answer<T: Sendable>(
    within timeout: Duration, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: timeout)
            throw CommerceError.unavailable("The database did not answer within \(timeout).")
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw CancellationError() }
        return first
    }
}

/// `GET /ready`'s body: `ready` with every check `up`, else `not ready` (and 503).
struct ReadinessRepresentation: JSONWritable, Sendable {
    var status: String
    var checks: [ReadinessCheck]

    init(checks: [ReadinessCheck]) {
        self.checks = checks
        status = checks.allSatisfy(\.passed) ? "ready" : "not ready"
    }

    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("checks", checks)
        writer.member("status", status)
        writer.endObject()
    }
}

/// `GET /health`: the process answers. The User service adds its deletion backlog, so an operator sees a
/// stuck Order service.
struct HealthRepresentation: JSONWritable {
    var status = "ok"
    var pendingDeletions: Int?
    var oldestPendingDeletionAgeSeconds: Int?

    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("oldestPendingDeletionAgeSeconds", oldestPendingDeletionAgeSeconds)
        writer.member("pendingDeletions", pendingDeletions)
        writer.member("status", status)
        writer.endObject()
    }
}

extension Router {
    /// `GET /health` (liveness: always 200 while the process answers), `GET /ready` (readiness: 200 when
    /// every check passes, else 503) and, with a registry, `GET /metrics` (Prometheus text format; `refresh`
    /// runs first, to bring gauges up to date).
    func addOperationalRoutes(
        routeTable: RouteTable, metricsRegistry: PrometheusCollectorRegistry?,
        health: @escaping @Sendable () async -> HealthRepresentation,
        readiness: @escaping @Sendable () async -> [ReadinessCheck],
        refreshMetrics: @escaping @Sendable () async -> Void = {}
    ) {
        routeTable.add(.get, "/health")
        get("health") { _, _ in JSONBody.response(await health()) }
        routeTable.add(.get, "/ready")
        get("ready") { _, _ in
            let body = ReadinessRepresentation(checks: await readiness())
            return JSONBody.response(body, status: body.status == "ready" ? .ok : .serviceUnavailable)
        }
        guard let metricsRegistry else { return }
        routeTable.add(.get, "/metrics")
        get("metrics") { _, _ in
            await refreshMetrics()
            var bytes: [UInt8] = []
            bytes.reserveCapacity(8 * 1024)
            metricsRegistry.emit(into: &bytes)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        }
    }
}
