import CommerceClient
import CommerceCore
import CommerceOrderServiceClient
import CommerceTestSupport
import CommerceTesting
import Foundation
import Testing

@testable import commerce_client_example

/// The typed client's walkthrough against both services live on sockets: every answer decodes (dates with
/// milliseconds, money exact, an address sent and read back), and the flow ends with the account gone.
@Suite("The typed client's walkthrough")
struct ClientWalkthroughTests {
    @Test func runsAgainstLiveServices() async throws {
        let userPort = try freePort()
        let orderPort = try freePort()
        let system = try await TestSystem(
            userSettings: TestSystem.settings(port: userPort), orderSettings: TestSystem.settings(port: orderPort),
            pricing: .catalog)
        try await system.harness.setStock(of: "sku-0", to: 3)
        let outcome = try await withRunning([system.userApp(), system.orderApp()]) {
            try await withHTTPClient { http in
                let client = CommerceClient(
                    userService: URL(string: "http://127.0.0.1:\(userPort)")!,
                    orderService: URL(string: "http://127.0.0.1:\(orderPort)")!, httpClient: http)
                #expect(await LiveClient(client: http).waitUntilHealthy("http://127.0.0.1:\(orderPort)"))
                return try await ClientWalkthrough(client: client, productId: "sku-0", say: { _ in }).run()
            }
        }
        #expect(outcome.city == "Springfield", "the address went out and came back")
        #expect(outcome.listed == [outcome.order.id])
        #expect(outcome.order.items.map(\.productId) == ["sku-0"])
        #expect(outcome.order.total.minorUnits == outcome.order.items[0].price.minorUnits, "one unit, exact")
        #expect(outcome.order.createdAt.timeIntervalSinceNow < 60, "a timestamp with milliseconds decoded")
        #expect(outcome.cancelled == .cancelled)
        #expect(try await system.harness.userStore.user(id: UserID(outcome.userId)!) == nil, "the account is gone")
    }
}

/// The client's money is exact: read from the number's digits and written back as they were.
@Suite("The client's ExactAmount")
struct ExactAmountTests {
    @Test(arguments: [("0.29", 29), ("12.34", 1234), ("1000000", 100_000_000), ("0", 0), ("19.9", 1990)])
    func readsAndWritesExactly(_ json: String, _ minorUnits: Int) throws {
        let money = try JSONDecoder().decode(ExactAmount.self, from: Data(json.utf8))
        #expect(money.minorUnits == minorUnits)
        let written = String(decoding: try JSONEncoder().encode(money), as: UTF8.self)
        #expect(try JSONDecoder().decode(ExactAmount.self, from: Data(written.utf8)) == money, "\(written) reads back")
    }

    @Test func refusesFractionsOfACent() {
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(ExactAmount.self, from: Data("0.001".utf8)) }
    }

    @Test func describesMajorUnits() {
        #expect(ExactAmount(minorUnits: 1234).description == "12.34")
        #expect(ExactAmount(minorUnits: -5).description == "-0.05")
    }
}
