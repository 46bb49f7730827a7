import AsyncHTTPClient
import CommerceHTTP
import CommercePostgres
import CommerceTestSupport
import CommerceTesting
import Foundation
import Logging
import NIOHTTP1
import PostgresNIO
import Synchronization
import Testing

/// A PostgreSQL server of this test's own (`scripts/test-postgres` on another port and data directory), so
/// that restarting it disturbs no other test.
struct ThrowawayPostgres: Sendable {
    static let script: URL = {
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { root.deleteLastPathComponent() }  // Tests/CommerceEndToEndTests/<this file>
        return root.appending(path: "scripts/test-postgres")
    }()

    let port: Int
    var url: String { "postgres://postgres@127.0.0.1:\(port)/postgres?sslmode=disable" }
    var dataDirectory: String { "/tmp/commerce-test-postgres-\(port)" }

    func url(database: String) -> String {
        "postgres://postgres@127.0.0.1:\(port)/\(database)?sslmode=disable"
    }

    /// `scripts/test-postgres start|stop` for this server; returns when it has finished (`pg_ctl -w`).
    /// `system(3)` rather than `Process`: its own `waitpid` sees the script end even though the server it
    /// starts lives on as a daemon. It blocks for seconds, so it runs on a thread of its own: on the
    /// concurrency pool (two threads on a two-core machine) it stalled every other test's sleeps.
    func run(_ command: String) async throws {
        let line =
            "PGPORT=\(port) COMMERCE_PG_DATA='\(dataDirectory)' bash '\(Self.script.path)' \(command) >/dev/null 2>&1"
        let status = await withCheckedContinuation { finished in
            Thread.detachNewThread { finished.resume(returning: system(line)) }
        }
        guard status == 0 else { throw FaultSuiteError("scripts/test-postgres \(command) exited with \(status)") }
    }

    /// Runs `statement` on `database` with a client of its own.
    func execute(_ statement: String, in database: String = "postgres") async throws -> [Int64] {
        let client = PostgresClient(
            configuration: try PostgresConnectionURL(url(database: database)).configuration,
            backgroundLogger: Logger(label: "restart-test", factory: { _ in SwiftLogNoOpLogHandler() }))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            var values: [Int64] = []
            let rows = try await client.query(PostgresQuery(unsafeSQL: statement))
            if statement.hasPrefix("SELECT") {
                for try await value in rows.decode(Int64.self) { values.append(value) }
            }
            return values
        }
    }
}

/// Both services on PostgreSQL while the database server restarts under steady placements and cancels.
@Suite(
    "PostgreSQL restarting under load: real processes",
    .enabled(
        if: ReplicaDatabase.adminURL != nil,
        "COMMERCE_POSTGRES_URL is not set: run `eval \"$(scripts/test-postgres start)\"` first"),
    .serialized)
final class PostgresRestartTests {
    let client = HTTPClient.forPeers()
    let directory: URL
    var live: LiveClient { LiveClient(client: client) }

    init() throws { directory = try temporaryDirectory() }

    deinit {
        try? client.syncShutdown()
        try? FileManager.default.removeItem(at: directory)
    }

    /// What the load acknowledged — orders placed (201) and orders cancelled (200) — and when it stops.
    final class Load: Sendable {
        struct Acknowledged: Sendable {
            var placed: [String] = []
            var cancelled: [String] = []
        }
        let acknowledged = Mutex(Acknowledged())
        let stopped = Atomic(false)
        /// The last placement that was not acknowledged, as its status or error: what a stalled load says.
        let lastRefusal = Mutex("none")
        var placedCount: Int { acknowledged.withLock { $0.placed.count } }
    }

    @Test func bothServicesReportNotReadyRecoverByThemselvesAndLoseNothingAcknowledged() async throws {
        let database = ThrowawayPostgres(port: try freePort())
        try await database.run("start")
        let outcome: Result<Void, any Error>
        do { outcome = .success(try await restartUnderLoad(database)) } catch { outcome = .failure(error) }
        try? await database.run("stop")
        try? FileManager.default.removeItem(atPath: database.dataDirectory)
        try outcome.get()
    }

    private func restartUnderLoad(_ database: ThrowawayPostgres) async throws {
        _ = try await database.execute("CREATE DATABASE users")
        _ = try await database.execute("CREATE DATABASE orders")
        let (userPort, orderPort) = (try freePort(), try freePort())
        func server(_ mode: String, port: Int, peer: String) -> ServerProcess {
            let folder = directory.appending(path: mode)
            try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            return ServerProcess(
                mode: mode, port: port, dataDirectory: folder,
                environment: [
                    "DATABASE_URL": database.url(database: mode + "s"),
                    peer: "127.0.0.1:\(port == userPort ? orderPort : userPort)",
                ])
        }
        let user = server("user", port: userPort, peer: "ORDER_SERVICE_URL")
        let order = server("order", port: orderPort, peer: "USER_SERVICE_URL")
        defer { for process in [user, order] { process.kill() } }
        for process in [user, order] { try process.start() }
        for process in [user, order] {
            #expect(await live.waitUntilHealthy(process.baseURL, timeout: .seconds(30)), "\(process.logTail())")
        }
        let person = try await live.registerAndLogIn(user.baseURL)

        // Steady load: four clients place orders and cancel every other one, keeping what was acknowledged.
        let load = Load()
        let live = live
        let running = Task {
            await withTaskGroup(of: Void.self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        var round = 0
                        while !load.stopped.load(ordering: .relaxed) {
                            round += 1
                            let placed: LiveClient.Answer
                            do {
                                placed = try await live.send(
                                    .POST, order.baseURL + "/api/order", token: person.token, body: ReplicaTests.order)
                            } catch {
                                load.lastRefusal.withLock { $0 = "\(error)" }
                                continue
                            }
                            guard placed.status == 201, let id = placed.json["id"] as? String else {
                                load.lastRefusal.withLock { $0 = "status \(placed.status)" }
                                continue
                            }
                            load.acknowledged.withLock { $0.placed.append(id) }
                            guard (worker + round) % 2 == 0 else { continue }
                            let path = order.baseURL + "/api/order/\(person.id)/\(id)/cancel"
                            if (try? await live.send(.POST, path, token: person.token))?.status == 200 {
                                load.acknowledged.withLock { $0.cancelled.append(id) }
                            }
                        }
                    }
                }
            }
        }
        defer { running.cancel() }
        #expect(await eventually(timeout: .seconds(20)) { load.placedCount >= 20 }, "the load is running")

        try await database.run("stop")
        func ready(_ process: ServerProcess) async -> Int? {
            try? await live.send(.GET, process.baseURL + "/ready").status
        }
        let lastSeen = Mutex<(users: Int?, orders: Int?)>((nil, nil))
        let notReady = await eventually(timeout: .seconds(20), pollEvery: .milliseconds(50)) {
            let seen = (users: await ready(user), orders: await ready(order))
            lastSeen.withLock { $0 = seen }
            return seen.users == 503 && seen.orders == 503
        }
        #expect(
            notReady,
            "both services say they are not ready while the database is down (last: \(lastSeen.withLock { $0 }))")

        try await database.run("start")
        let restarted = ContinuousClock.now
        let recovered = await eventually(timeout: .seconds(30), pollEvery: .milliseconds(50)) {
            let seen = (users: await ready(user), orders: await ready(order))
            lastSeen.withLock { $0 = seen }
            return seen.users == 200 && seen.orders == 200
        }
        #expect(recovered, "both services are ready again by themselves (last: \(lastSeen.withLock { $0 }))")
        let before = load.placedCount
        #expect(
            await eventually(timeout: .seconds(30)) { load.placedCount > before + 10 },
            """
            placements go through again (\(ContinuousClock.now - restarted) after the restart; the last \
            refusal: \(load.lastRefusal.withLock { $0 }))
            \(order.logTail())
            """)
        load.stopped.store(true, ordering: .relaxed)
        await running.value

        let final = load.acknowledged.withLock { $0 }
        try #require(!final.placed.isEmpty && !final.cancelled.isEmpty, "the load placed and cancelled orders")
        let placedIDs = final.placed.map { "'\($0)'" }.joined(separator: ",")
        #expect(
            try await database.execute("SELECT count(*) FROM orders WHERE id IN (\(placedIDs))", in: "orders")
                == [Int64(final.placed.count)],
            "every acknowledged order is stored")
        let cancelledIDs = final.cancelled.map { "'\($0)'" }.joined(separator: ",")
        #expect(
            try await database.execute(
                "SELECT count(*) FROM orders WHERE id IN (\(cancelledIDs)) AND status = 'cancelled'", in: "orders")
                == [Int64(final.cancelled.count)],
            "every acknowledged cancel is stored")
    }
}
