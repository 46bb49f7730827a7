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

/// Both services' HTTP applications on in-memory stores, with in-process (fault-injecting) peers.
struct TestSystem {
    static let apiKey = try! SigningSecret("test-api-key-0123456789abcdefghijklmnop", field: "API_KEY")
    static let tokens = TokenService.Configuration(secret: CommerceHarness.testSecret)
    static let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    let userStore = InMemoryUserStore()
    let orderStore = InMemoryOrderStore()
    let userPeer: FaultyUserServicePeer
    let orderPeer: FaultyOrderServicePeer

    init() {
        userPeer = FaultyUserServicePeer(wrapping: InProcessUserServicePeer(users: userStore))
        let orders = OrderService(store: orderStore, users: userPeer, logger: Self.quiet)
        orderPeer = FaultyOrderServicePeer(wrapping: InProcessOrderServicePeer(orders: orders))
    }

    static func settings(port: Int = 0) -> HTTPServiceSettings {
        HTTPServiceSettings(port: port, tokens: tokens, apiKey: apiKey, logger: quiet)
    }

    func userApp() async throws -> some ApplicationProtocol {
        await buildUserServiceApplication(
            settings: Self.settings(), store: userStore, orders: orderPeer, hasher: try BcryptPasswordHasher(cost: 4),
            propagation: .init(retry: CommerceHarness.fastBackgroundRetry, pollInterval: .milliseconds(10)))
    }

    func orderApp() async -> some ApplicationProtocol {
        await buildOrderServiceApplication(
            settings: Self.settings(), store: orderStore, users: userPeer,
            configuration: .init(userCheck: CommerceHarness.fastRequestRetry))
    }
}

/// A JSON request body.
func json(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

let jsonHeaders: HTTPFields = [.contentType: "application/json"]

func bearer(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)", .contentType: "application/json"] }

/// The response body as a JSON object or array.
func object(_ response: TestResponse) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any] ?? [:]
}

func array(_ response: TestResponse) throws -> [[String: Any]] {
    try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [[String: Any]] ?? []
}

extension TestClientProtocol {
    /// Registers a user and logs in; returns the user id and token.
    func registerAndLogIn(email: String = "ann-\(UUID().uuidString.prefix(6))@example.com") async throws
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

