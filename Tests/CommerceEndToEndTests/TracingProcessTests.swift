import AsyncHTTPClient
import CommerceTestSupport
import CommerceTesting
import Foundation
import NIOHTTP1
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Whether commerce-server was built with its OTLP exporter (`--traits OTLPExporter`, as CI builds it).
private let exporterBuilt: Bool = {
    #if OTLPExporter
        true
    #else
        false
    #endif
}()

/// One span as `scripts/otlp-receiver` writes it.
private struct ReceivedSpan: Decodable {
    struct Link: Decodable {
        let traceId: String
        let spanId: String
    }
    let service: String?
    let name: String
    let kind: String
    let traceId: String
    let spanId: String
    let parentSpanId: String
    let links: [Link]
    let attributes: [String: AttributeValue]

    enum AttributeValue: Decodable {
        case text(String)
        case number(Int)
        case other
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                self = .text(text)
            } else if let number = try? container.decode(Int.self) {
                self = .number(number)
            } else {
                self = .other
            }
        }
    }

    func text(_ key: String) -> String? {
        if case .text(let value) = attributes[key] { value } else { nil }
    }
}

/// Both services as real processes exporting to a real OTLP/HTTP receiver (a Python process decoding the
/// protobuf with opentelemetry-proto): one placement is one trace across both services, with the peer call
/// and the store calls; a deletion's purge, delivered after the Order service comes back, links back to the
/// request that deleted; log lines carry the trace's id.
@Suite("Traces across both services, exported over OTLP", .serialized, .enabled(if: exporterBuilt))
final class TracingProcessTests {
    let directory: URL
    let spansFile: URL
    let receiverPort: Int
    let client = HTTPClient(eventLoopGroupProvider: .singleton)
    var receiver: Process?
    let users: ServerProcess
    let orders: ServerProcess
    let environment: [String: String]

    init() throws {
        directory = try temporaryDirectory()
        spansFile = directory.appending(path: "spans.jsonl")
        receiverPort = try freePort()
        let (userPort, orderPort) = (try freePort(), try freePort())
        let environment = [
            "USER_SERVICE_URL": "http://127.0.0.1:\(userPort)", "ORDER_SERVICE_URL": "http://127.0.0.1:\(orderPort)",
            "DELETION_RETRY_MAX_SECONDS": "1", "LOG_LEVEL": "info",
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:\(receiverPort)", "OTEL_BSP_SCHEDULE_DELAY": "100",
        ]
        self.environment = environment
        users = ServerProcess(mode: "user", port: userPort, dataDirectory: directory, environment: environment)
        orders = ServerProcess(mode: "order", port: orderPort, dataDirectory: directory, environment: environment)
    }

    /// Where the services keep their data in a test run over each kind of store.
    enum Store: String, CaseIterable, CustomTestStringConvertible {
        case memory, sqlite, postgresql
        var testDescription: String { rawValue }
        /// PostgreSQL when the test server is there (`COMMERCE_POSTGRES_URL`).
        static let available = allCases.filter { $0 != .postgresql || ReplicaDatabase.adminURL != nil }
    }

    /// Runs `body` with the services as `users` and `orders` are, but on `store` (a directory of files for
    /// SQLite, new databases for PostgreSQL, dropped afterwards) and logging JSON lines.
    private func withServices(
        on store: Store, _ body: (_ users: ServerProcess, _ orders: ServerProcess) async throws -> Void
    ) async throws {
        func server(_ model: ServerProcess, _ database: String) -> ServerProcess {
            ServerProcess(
                mode: model.mode, port: model.port, dataDirectory: directory,
                environment: environment.merging(["DATABASE_URL": database, "LOG_FORMAT": "json"]) { $1 })
        }
        switch store {
        case .memory: try await body(server(users, "memory:"), server(orders, "memory:"))
        case .sqlite: try await body(server(users, directory.path), server(orders, directory.path))
        case .postgresql:
            let suffix = UUID().uuidString.prefix(8).lowercased()
            let (usersDB, ordersDB) = ("traced_users_\(suffix)", "traced_orders_\(suffix)")
            try await ReplicaDatabase.withNew(usersDB, ordersDB) {
                try await body(
                    server(users, ReplicaDatabase.url(database: usersDB)),
                    server(orders, ReplicaDatabase.url(database: ordersDB)))
            }
        }
    }

    deinit {
        users.kill()
        orders.kill()
        // SIGKILL: a child of the test process inherits its blocked signals, SIGTERM among them.
        if let receiver, receiver.isRunning {
            Glibc.kill(receiver.processIdentifier, SIGKILL)
            receiver.waitUntilExit()
        }
        try? client.syncShutdown()
        try? FileManager.default.removeItem(at: directory)
    }

    func startReceiver() async throws {
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { root.deleteLastPathComponent() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", root.appending(path: "scripts/otlp-receiver").path, "\(receiverPort)", spansFile.path,
        ]
        let log = directory.appending(path: "receiver.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: log)
        try process.run()
        receiver = process
        let live = LiveClient(client: client)
        let listening = await eventually(timeout: .seconds(20), pollEvery: .milliseconds(50)) {
            (try? await live.send(.GET, "http://127.0.0.1:\(receiverPort)/"))?.status == 200
        }
        let said = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        try #require(listening, "the OTLP receiver did not start (pip install opentelemetry-proto): \(said)")
    }

    private var spans: [ReceivedSpan] {
        let text = (try? String(contentsOf: spansFile, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap {
            try? JSONDecoder().decode(ReceivedSpan.self, from: Data($0.utf8))
        }
    }

    /// Waits for the spans `condition` accepts; the last spans seen, whatever came.
    private func spans(within timeout: Duration = .seconds(20), until condition: ([ReceivedSpan]) -> Bool) async
        -> [ReceivedSpan]
    {
        _ = await eventually(timeout: timeout, pollEvery: .milliseconds(50)) { condition(self.spans) }
        return spans
    }

    @Test func aPlacementIsOneTraceAcrossBothServicesAndAPurgeLinksBackToItsDeletion() async throws {
        try await startReceiver()
        try users.start()
        try orders.start()
        let live = LiveClient(client: client)
        #expect(await live.waitUntilHealthy(users.baseURL), "\(users.logTail())")
        #expect(await live.waitUntilHealthy(orders.baseURL), "\(orders.logTail())")
        let customer = try await live.registerAndLogIn(users.baseURL)

        // A placement under a trace of the caller's.
        let placementTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
        let callerSpan = "00f067aa0ba902b7"
        let placed = try await live.send(
            .POST, orders.baseURL + "/api/order", token: customer.token,
            headers: [("traceparent", "00-\(placementTrace)-\(callerSpan)-01")], body: FaultSuiteTests.order)
        #expect(placed.status == 201)
        let trace = await spans { all in
            all.contains { $0.traceId == placementTrace && $0.service == "commerce-user" && $0.kind == "server" }
                && all.contains {
                    $0.traceId == placementTrace && $0.text("db.system") == "sqlite" && $0.service == "commerce-order"
                }
        }.filter { $0.traceId == placementTrace }
        let server = try #require(trace.first { $0.service == "commerce-order" && $0.kind == "server" })
        #expect(server.name == "/api/order" && server.parentSpanId == callerSpan, "continues the caller's trace")
        let peer = try #require(trace.first { $0.name == "GET /api/user/{id}" }, "the user check is a span")
        #expect(peer.service == "commerce-order" && peer.kind == "client")
        #expect(
            trace.contains { $0.service == "commerce-user" && $0.kind == "server" }, "the User service answered in it")
        let stores = trace.filter { $0.text("db.system") == "sqlite" }
        #expect(Set(stores.compactMap(\.service)) == ["commerce-order", "commerce-user"], "store calls in both")
        #expect(stores.allSatisfy { $0.text("db.operation.name") == $0.name })
        let orderLog = (try? String(contentsOf: orders.logFile, encoding: .utf8)) ?? ""
        #expect(orderLog.contains("trace_id=\(placementTrace)"), "the placement's log lines carry its trace")

        // A deletion while the Order service is down: its purge is delivered later, in a trace of its own
        // that links back to the deletion's request.
        orders.kill()
        let deletionTrace = "5bf92f3577b34da6a3ce929d0e0e4737"
        let deleted = try await live.send(
            .DELETE, users.baseURL + "/api/user/\(customer.id)", token: customer.token,
            headers: [("traceparent", "00-\(deletionTrace)-\(callerSpan)-01")])
        #expect(deleted.status == 200)
        try orders.start()
        let all = await spans { all in
            all.contains { span in
                span.name == "deliver userDeleted" && span.links.contains { $0.traceId == deletionTrace }
                    && all.contains {
                        $0.traceId == span.traceId && $0.service == "commerce-order" && $0.name == "purge"
                    }
            }
        }
        let delivery = try #require(
            all.first { span in
                span.name == "deliver userDeleted" && span.links.contains { $0.traceId == deletionTrace }
                    && all.contains { $0.traceId == span.traceId && $0.name == "purge" }
            }, "a delivery linked to the deletion reached the Order service")
        #expect(delivery.traceId != deletionTrace, "delivered in the background, in a trace of its own")
        #expect(delivery.links.contains { $0.traceId == deletionTrace })
    }

    @Test(arguments: Store.available)
    func anOrderEventsDeliveryLinksBackToTheRequestThatMadeIt(on store: Store) async throws {
        try await startReceiver()
        try await withServices(on: store) { users, orders in
            try await deliveryLinksBack(users: users, orders: orders)
        }
    }

    private func deliveryLinksBack(users: ServerProcess, orders: ServerProcess) async throws {
        defer {
            users.kill()
            orders.kill()
        }
        try users.start()
        try orders.start()
        let live = LiveClient(client: client)
        #expect(await live.waitUntilHealthy(users.baseURL), "\(users.logTail())")
        #expect(await live.waitUntilHealthy(orders.baseURL), "\(orders.logTail())")
        let staff = try await live.staffToken(users.baseURL, apiKey: ServerProcess.apiKey)
        let port = try freePort()
        let receiver = EventReceiver()
        let running = receiver.run(port: port)
        defer { running.cancel() }
        #expect(await live.waitUntilHealthy("http://127.0.0.1:\(port)"))
        let subscribed = try await live.send(
            .POST, orders.baseURL + "/api/webhooks", token: staff,
            body: #"{"url":"http://127.0.0.1:\#(port)/hooks","events":["order.placed","order.cancelled"]}"#)
        #expect(subscribed.status == 201)

        // A placement and its cancel, each under a trace of the caller's.
        let customer = try await live.registerAndLogIn(users.baseURL)
        let (placementTrace, cancelTrace) = ("6bf92f3577b34da6a3ce929d0e0e4738", "7bf92f3577b34da6a3ce929d0e0e4739")
        let placed = try await live.send(
            .POST, orders.baseURL + "/api/order", token: customer.token,
            headers: [("traceparent", "00-\(placementTrace)-00f067aa0ba902b7-01")], body: FaultSuiteTests.order)
        #expect(placed.status == 201)
        let orderId = try #require(placed.json["id"] as? String)
        let cancelled = try await live.send(
            .POST, orders.baseURL + "/api/order/\(customer.id)/\(orderId)/cancel", token: customer.token,
            headers: [("traceparent", "00-\(cancelTrace)-00f067aa0ba902b7-01")])
        #expect(cancelled.status == 200)

        let logged = ((try? String(contentsOf: orders.logFile, encoding: .utf8)) ?? "").split(separator: "\n")
            .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            .filter { $0["trace_id"] as? String == placementTrace }
        #expect(!logged.isEmpty, "the placement's JSON log lines carry its trace id")
        #expect(logged.allSatisfy { ($0["span_id"] as? String)?.count == 16 }, "and the span's id")

        let expected = [("order.placed", placementTrace), ("order.cancelled", cancelTrace)]
        func delivery(_ type: String, _ cause: String, in all: [ReceivedSpan]) -> ReceivedSpan? {
            all.first { span in
                span.name == "deliver \(type)" && span.service == "commerce-order"
                    && span.links.contains { $0.traceId == cause }
            }
        }
        let all = await spans { all in expected.allSatisfy { delivery($0, $1, in: all) != nil } }
        let events = receiver.events
        #expect(events.map(\.type) == ["order.placed", "order.cancelled"])
        for (type, cause) in expected {
            let span = try #require(delivery(type, cause, in: all), "no \(type) delivery span links to its request")
            #expect(span.kind == "producer")
            #expect(span.traceId != cause, "delivered in the background, in a trace of its own")
            let carried = events.first { $0.type == type }?.traceparent
            #expect(
                carried?.split(separator: "-").dropFirst().first.map(String.init) == span.traceId,
                "the \(type) delivery carries its span's trace to the endpoint")
        }
    }
}
