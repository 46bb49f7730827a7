// The load benchmark's references, run on the same core as commerce-server (see scripts/bench):
//   commerce-bench-reference hello PORT        a Hummingbird 2 application answering GET /hello with JSON
//   commerce-bench-reference bcrypt COST SECS  how many bcrypt verifications one thread does per second
import Foundation
import Hummingbird
import HummingbirdBcrypt

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
    FileHandle.standardError.write(Data("usage: commerce-bench-reference hello PORT | bcrypt COST SECONDS\n".utf8))
    exit(2)
}
