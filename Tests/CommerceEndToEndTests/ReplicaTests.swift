import AsyncHTTPClient
import CommerceCore
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

/// The PostgreSQL server of the replica test: `COMMERCE_POSTGRES_URL` (`scripts/test-postgres start`).
enum ReplicaDatabase {
    static let adminURL = ProcessInfo.processInfo.environment["COMMERCE_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }

    /// The admin URL with another database.
    static func url(database: String) -> String {
        var components = URLComponents(string: adminURL!)!
        components.path = "/" + database
        return components.string!
    }

    /// Runs `body` with a running client on `database`.
    static func withDatabase<Result: Sendable>(
        _ database: String, _ body: @Sendable (PostgresClient) async throws -> Result
    ) async throws -> Result {
        let client = PostgresClient(
            configuration: try PostgresConnectionURL(url(database: database)).configuration,
            backgroundLogger: Logger(label: "replica-test", factory: { _ in SwiftLogNoOpLogHandler() }))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }

    /// Creates each of `databases`, runs `body`, then drops them (ending any connection still open to them)
    /// however `body` ends: a developer's test server keeps no database of an earlier run.
    static func withNew<Result>(_ databases: String..., body: () async throws -> Result) async throws -> Result {
        try await withDatabase("postgres") { admin in
            for database in databases { try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(database)")) }
        }
        let outcome: Swift.Result<Result, any Error>
        do { outcome = .success(try await body()) } catch { outcome = .failure(error) }
        do {
            try await withDatabase("postgres") { admin in
                for database in databases {
                    try await admin.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(database) WITH (FORCE)"))
                }
            }
        } catch {
            // The body's own failure is the one to report; failing to drop matters only after a pass.
            if case .success = outcome { throw error }
        }
        return try outcome.get()
    }
}

/// Two User service and two Order service processes on one PostgreSQL server (a database each service).
@Suite(
    "Replicas on PostgreSQL: real processes",
    .enabled(
        if: ReplicaDatabase.adminURL != nil,
        "COMMERCE_POSTGRES_URL is not set: run `eval \"$(scripts/test-postgres start)\"` first"),
    .serialized)
final class ReplicaTests {
    static let order =
        #"{"items":[{"productId":"tea","name":"Tea","quantity":1,"price":2.5}],"deliveryAddress":"1 Main St"}"#

    let client = HTTPClient.forPeers()
    let directory: URL
    let suffix = UUID().uuidString.prefix(8).lowercased()
    var live: LiveClient { LiveClient(client: client) }

    init() throws { directory = try temporaryDirectory() }

    deinit {
        try? client.syncShutdown()
        try? FileManager.default.removeItem(at: directory)
    }

    func url(database: String) -> String { ReplicaDatabase.url(database: database) }

    func withDatabase<Result: Sendable>(
        _ database: String, _ body: @Sendable (PostgresClient) async throws -> Result
    ) async throws -> Result {
        try await ReplicaDatabase.withDatabase(database, body)
    }

    func count(_ sql: String, in database: String) async throws -> Int {
        try await withDatabase(database) { client in
            for try await value in try await client.query(PostgresQuery(unsafeSQL: sql)).decode(Int64.self) {
                return Int(value)
            }
            return 0
        }
    }

    /// The intervals during which an Order service log shows a purge of each user (start, end).
    func purges(in log: URL) throws -> [(user: String, start: Date, end: Date)] {
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        let times = ISO8601DateFormatter()
        times.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                object["message"] as? String == "request", object["method"] as? String == "DELETE",
                let path = object["path"] as? String, path.hasPrefix("/api/order/"),
                let end = (object["time"] as? String).flatMap(times.date(from:)),
                let duration = (object["durationMs"] as? String).flatMap(Double.init)
            else { return nil }
            return (String(path.dropFirst("/api/order/".count)), end.addingTimeInterval(-duration / 1000), end)
        }
    }

    @Test func deletionsThroughEitherUserReplicaWhileAnOrderReplicaIsKilledLeaveNoOrphans() async throws {
        let (usersDB, ordersDB) = ("replica_users_\(suffix)", "replica_orders_\(suffix)")
        try await ReplicaDatabase.withNew(usersDB, ordersDB) {
            try await deletionsWhileAnOrderReplicaIsKilled(usersDB: usersDB, ordersDB: ordersDB)
        }
    }

    private func deletionsWhileAnOrderReplicaIsKilled(usersDB: String, ordersDB: String) async throws {
        let ports = try (0..<4).map { _ in try freePort() }
        let common = [
            "LOG_FORMAT": "json", "LOG_LEVEL": "info", "DELETION_RETRY_MAX_SECONDS": "1", "DELETION_LEASE_SECONDS": "6",
        ]
        func replica(_ mode: String, _ index: Int, port: Int, peerPort: Int, database: String) -> ServerProcess {
            let folder = directory.appending(path: "\(mode)-\(index)")
            try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let peer = mode == "user" ? "ORDER_SERVICE_URL" : "USER_SERVICE_URL"
            return ServerProcess(
                mode: mode, port: port, dataDirectory: folder,
                environment: common.merging(["DATABASE_URL": url(database: database), peer: "127.0.0.1:\(peerPort)"]) {
                    $1
                })
        }
        // Each User replica calls "its" Order replica; each Order replica asks "its" User replica.
        let users = [
            replica("user", 1, port: ports[0], peerPort: ports[2], database: usersDB),
            replica("user", 2, port: ports[1], peerPort: ports[3], database: usersDB),
        ]
        let orders = [
            replica("order", 1, port: ports[2], peerPort: ports[0], database: ordersDB),
            replica("order", 2, port: ports[3], peerPort: ports[1], database: ordersDB),
        ]
        defer { for server in users + orders { server.kill() } }
        // All four start at once: the migrations of each database run exactly once, under their lock.
        for server in users + orders { try server.start() }
        for server in users + orders {
            #expect(await live.waitUntilHealthy(server.baseURL, timeout: .seconds(30)), "\(server.logTail())")
        }

        // 16 users, registered and signed in through either User replica, 3 orders each through either
        // Order replica.
        var people: [(id: String, token: String)] = []
        var acknowledged: [String: [String]] = [:]
        for index in 0..<16 {
            let person = try await live.registerAndLogIn(users[index % 2].baseURL)
            people.append(person)
            for attempt in 0..<3 {
                let placed = try await live.send(
                    .POST, orders[(index + attempt) % 2].baseURL + "/api/order", token: person.token, body: Self.order)
                #expect(placed.status == 201)
                if let id = placed.json["id"] as? String { acknowledged[person.id, default: []].append(id) }
            }
        }

        // Delete half of them through either User replica; after the second deletion, Order replica 1 dies.
        let deleted = Array(people.prefix(8))
        for (index, person) in deleted.enumerated() {
            if index == 2 { orders[0].kill() }
            let answer = try await live.send(
                .DELETE, users[index % 2].baseURL + "/api/user/\(person.id)", token: person.token)
            #expect(answer.status == 200)
        }
        // The survivors keep ordering through the Order replica that is alive.
        for person in people.suffix(8) {
            let placed = try await live.send(
                .POST, orders[1].baseURL + "/api/order", token: person.token, body: Self.order)
            #expect(placed.status == 201)
            if let id = placed.json["id"] as? String { acknowledged[person.id, default: []].append(id) }
        }

        // Every deletion is delivered: the ones User replica 1 could not deliver (its Order replica is dead)
        // are claimed by User replica 2 once their lease ends.
        let drained = await eventually(timeout: .seconds(60), pollEvery: .milliseconds(200)) {
            (try? await count("SELECT count(*) FROM outbox_events", in: usersDB)) == 0
        }
        #expect(drained, "every deletion was delivered")
        let deletedIDs = deleted.map { "'\($0.id)'" }.joined(separator: ",")
        #expect(
            try await count("SELECT count(*) FROM orders WHERE user_id IN (\(deletedIDs))", in: ordersDB) == 0,
            "no orphans")
        #expect(try await count("SELECT count(*) FROM tombstones WHERE user_id IN (\(deletedIDs))", in: ordersDB) == 8)
        let kept = people.suffix(8).flatMap { acknowledged[$0.id] ?? [] }
        let keptIDs = kept.map { "'\($0)'" }.joined(separator: ",")
        #expect(
            try await count("SELECT count(*) FROM orders WHERE id IN (\(keptIDs))", in: ordersDB) == kept.count,
            "every acknowledged order of a user still there is present")
        #expect(kept.count == 8 * 4)

        // No deletion was delivered by two replicas at once: per user, the purges the Order replicas logged
        // never overlap in time.
        let logged = try orders.flatMap { try purges(in: $0.logFile) }
        #expect(Set(logged.map(\.user)).isSuperset(of: deleted.map(\.id)))
        for (user, intervals) in Dictionary(grouping: logged, by: \.user) {
            let sorted = intervals.sorted { $0.start < $1.start }
            for (earlier, later) in zip(sorted, sorted.dropFirst()) {
                #expect(later.start >= earlier.end, "two purges of \(user) overlapped")
            }
        }

        // The order lifecycle across replicas: staff, made so by the operator, confirm one order of each
        // survivor, then ship and cancel it at once through both Order replicas. Each order ends shipped or
        // cancelled, with a history that neither skips nor repeats a step.
        try orders[0].start()
        #expect(await live.waitUntilHealthy(orders[0].baseURL, timeout: .seconds(30)), "\(orders[0].logTail())")
        let staff = try await live.registerAndLogIn(users[1].baseURL)
        let promoted = try await live.send(
            .PUT, users[0].baseURL + "/api/user/\(staff.id)/role", headers: [("x-api-key", ServerProcess.apiKey)],
            body: #"{"role":"staff"}"#)
        #expect(promoted.status == 200)
        let staffLogin = try await live.send(
            .POST, users[1].baseURL + "/api/user/login",
            body: #"{"email":"\#(promoted.json["email"] as? String ?? "")","password":"correct horse battery"}"#)
        let staffToken = try #require(staffLogin.json["token"] as? String)
        let contested = try people.suffix(8).map { person in
            (person, try #require(acknowledged[person.id]?.first))
        }
        for (person, order) in contested {
            let path = "/api/order/\(person.id)/\(order)"
            #expect(try await live.send(.POST, orders[0].baseURL + path + "/confirm", token: staffToken).status == 200)
        }
        let live = live
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for (person, order) in contested {
                for attempt in 0..<6 {
                    let base = orders[attempt % 2].baseURL + "/api/order/\(person.id)/\(order)"
                    let action = attempt % 3 == 0 ? "cancel" : "ship"
                    group.addTask { try await live.send(.POST, base + "/" + action, token: staffToken).status }
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(Set(statuses).isSubset(of: [200, 409]), "racing moves answer 200 or 409, nothing else")
        for (person, order) in contested {
            let read = try await live.send(
                .GET, orders[1].baseURL + "/api/order/\(person.id)/\(order)", token: staffToken)
            let steps = (read.json["history"] as? [[String: Any]] ?? []).compactMap { $0["status"] as? String }
            let final = read.json["status"] as? String ?? ""
            #expect(["shipped", "cancelled"].contains(final), "\(order) ended \(final)")
            #expect(steps == ["pending", "confirmed", final], "\(order)'s history: \(steps)")
        }

        for server in users + orders { server.terminate() }
        for server in users + orders { #expect(await server.exitStatus(within: .seconds(15)) == 0) }
        try await withDatabase("postgres") { admin in
            try await admin.query(PostgresQuery(unsafeSQL: "DROP DATABASE \(usersDB) WITH (FORCE)"))
            try await admin.query(PostgresQuery(unsafeSQL: "DROP DATABASE \(ordersDB) WITH (FORCE)"))
        }
    }
}
