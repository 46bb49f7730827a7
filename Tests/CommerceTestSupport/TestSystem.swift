import CommerceBcrypt
import CommerceCore
import CommerceHTTP
import CommerceStorage
import CommerceTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOFoundationCompat

/// Both services' HTTP applications over one ``CommerceHarness`` (in-memory stores, fault-injecting
/// in-process peers): the services are made the way `commerce-server` makes them, by `CommerceServices`.
/// Orders take their prices from the client unless a test asks for the catalog: most route tests are
/// about other things and post the seed's orders; `CatalogRoutesTests` and the contract test run the
/// default, catalog pricing.
package struct TestSystem {
    package static let apiKey = try! SigningSecret("test-api-key-0123456789abcdefghijklmnop", field: "API_KEY")
    package static let tokens = TokenService.Configuration(secret: CommerceHarness.testSecret)
    package static let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    package let harness: CommerceHarness
    package let userSettings: HTTPServiceSettings
    package let orderSettings: HTTPServiceSettings

    /// - Parameters: the stores to run on (in-memory by default), and the harness's other settings.
    package init(
        userStore: any UserStore = InMemoryUserStore(), orderStore: any OrderStore = InMemoryOrderStore(),
        userSettings: HTTPServiceSettings = settings(), orderSettings: HTTPServiceSettings = settings(),
        userCacheLifetime: Duration = .seconds(30), pricing: PricingMode = .client,
        deletionPolicy: DeletionPolicy = .purge
    ) async throws {
        self.userSettings = userSettings
        self.orderSettings = orderSettings
        harness = try await CommerceHarness(
            userStore: userStore, orderStore: orderStore, userCacheLifetime: userCacheLifetime, pricing: pricing,
            deletionPolicy: deletionPolicy,
            logger: userSettings.logger, userMetrics: userSettings.metrics, orderMetrics: orderSettings.metrics)
    }

    package var userStore: any UserStore { harness.userStore }
    package var orderStore: any OrderStore { harness.orderStore }
    package var userPeer: FaultyUserServicePeer { harness.userPeer }
    package var orderPeer: FaultyOrderServicePeer { harness.orderPeer }

    package static func settings(port: Int = 0, logger: Logger = quiet) -> HTTPServiceSettings {
        HTTPServiceSettings(port: port, apiKey: apiKey, logger: logger)
    }

    package func userApp() -> some ApplicationProtocol {
        buildUserServiceApplication(settings: userSettings, service: harness.userService)
    }

    package func orderApp() -> some ApplicationProtocol {
        buildOrderServiceApplication(settings: orderSettings, service: harness.orderService)
    }
}

/// A JSON request body.
package func json(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

package let jsonHeaders: HTTPFields = [.contentType: "application/json"]

package func bearer(_ token: String) -> HTTPFields {
    [.authorization: "Bearer \(token)", .contentType: "application/json"]
}

/// The response body as a JSON object or array.
package func object(_ response: TestResponse) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any] ?? [:]
}

package func array(_ response: TestResponse) throws -> [[String: Any]] {
    try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [[String: Any]] ?? []
}

extension TestClientProtocol {
    /// Registers a user and logs in; returns the user id and token.
    package func registerAndLogIn(email: String = "ann-\(UUID().uuidString.prefix(6))@example.com") async throws
        -> (id: String, token: String)
    {
        try await execute(
            uri: "/api/user", method: .post, headers: jsonHeaders,
            body: json(#"{"username":"Ann","email":"\#(email)","password":"correct horse battery"}"#)
        ) { _ in }
        return try await execute(
            uri: "/api/user/login", method: .post, headers: jsonHeaders,
            body: json(#"{"email":"\#(email)","password":"correct horse battery"}"#)
        ) { response in
            let body = try object(response)
            return (body["userId"] as! String, body["token"] as! String)
        }
    }
}

/// The User service's application over `store`, its services made by `CommerceServices` as
/// `commerce-server` makes them (with the harness's secret, bcrypt cost 4 and fast retries by default).
package func userApplication(
    settings: HTTPServiceSettings, store: any UserStore, orders: any OrderServicePeer,
    propagation: OutboxPropagator.Configuration = .init(
        retry: CommerceHarness.fastBackgroundRetry, pollInterval: .milliseconds(10)),
    clock: any CommerceClock = SystemClock()
) async throws -> some ApplicationProtocol {
    let services = await CommerceServices(
        tokens: TestSystem.tokens, hasher: try BcryptPasswordHasher(cost: 4), propagation: propagation, clock: clock)
    return buildUserServiceApplication(
        settings: settings,
        service: services.userService(store: store, orders: orders, logger: settings.logger, metrics: settings.metrics))
}

/// The Order service's application over `store`, its services made by `CommerceServices` as
/// `commerce-server` makes them (with the harness's secret and fast retries by default).
package func orderApplication(
    settings: HTTPServiceSettings, store: any OrderStore, users: any UserServicePeer,
    configuration: OrderService.Configuration = .init(userCheck: CommerceHarness.fastRequestRetry, pricing: .client),
    clock: any CommerceClock = SystemClock()
) async throws -> some ApplicationProtocol {
    let services = await CommerceServices(
        tokens: TestSystem.tokens, hasher: try BcryptPasswordHasher(cost: 4), orders: configuration, clock: clock)
    return buildOrderServiceApplication(
        settings: settings,
        service: services.orderService(store: store, users: users, logger: settings.logger, metrics: settings.metrics))
}
