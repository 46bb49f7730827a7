// The load benchmark's references, run on the same core as commerce-server (see scripts/bench):
//   commerce-bench-reference hello PORT        a Hummingbird 2 application answering GET /hello with JSON
//   commerce-bench-reference bcrypt COST SECS  how many bcrypt verifications one thread does per second
//   commerce-bench-reference sink PORT         an order-events endpoint: POST /hooks answers 204, counting
import Foundation
import Hummingbird
import HummingbirdBcrypt
import Synchronization

struct Hello: ResponseEncodable {
    let message: String
}

let arguments = CommandLine.arguments.dropFirst()
switch arguments.first {
case "hello":
    let port = arguments.dropFirst().first.flatMap { Int($0) } ?? 8080
    let router = Router()
    router.get("hello") { _, _ in Hello(message: "hello") }
    let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
    try await app.runService()
case "sink":
    // Runs on the load's core: a subscription's deliveries must cost the server what a real endpoint's
    // would, not wait on a slow receiver. GET /count says how many deliveries came.
    let port = arguments.dropFirst().first.flatMap { Int($0) } ?? 8080
    let received = Atomic<Int>(0)
    let router = Router()
    router.post("hooks") { request, _ -> Response in
        _ = try await request.body.collect(upTo: 1 << 20)
        received.add(1, ordering: .relaxed)
        return Response(status: .noContent)
    }
    router.get("count") { _, _ in "\(received.load(ordering: .relaxed))" }
    let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
    try await app.runService()
case "bcrypt":
    let cost = arguments.dropFirst().first.flatMap { UInt8($0) } ?? 10
    let seconds = arguments.dropFirst(2).first.flatMap { Double($0) } ?? 5
    let hash = Bcrypt.hash("correct horse battery staple", cost: cost)
    let start = ContinuousClock.now
    var verified = 0
    while (ContinuousClock.now - start) < .seconds(seconds) {
        precondition(Bcrypt.verify("correct horse battery staple", hash: hash))
        verified += 1
    }
    let elapsed = ContinuousClock.now - start
    let rate = Double(verified) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    print(String(format: "%.2f", rate))
default:
    FileHandle.standardError.write(
        Data("usage: commerce-bench-reference hello PORT | sink PORT | bcrypt COST SECONDS\n".utf8))
    exit(2)
}
