import AsyncHTTPClient
import CommerceOrderServiceClient
import CommerceUserServiceClient
import Foundation
import HTTPTypes
import NIOCore
import OpenAPIAsyncHTTPClient
import OpenAPIRuntime

/// Typed clients of both services, generated from their OpenAPI documents by swift-openapi-generator
/// (`CommerceUserServiceClient`, `CommerceOrderServiceClient`), over AsyncHTTPClient and configured for
/// what the services speak: timestamps with milliseconds, exact money (`ExactAmount`), and a credential sent
/// only to the service it was made for.
///
/// ```swift
/// let anonymous = CommerceClient(userService: users, orderService: orders)
/// let token = try await anonymous.users.logIn(body: .json(.init(email: email, password: password)))
///     .ok.body.json.token
/// let signedIn = anonymous.signedIn(as: token)
/// let mine = try await signedIn.orders.listUserOrders(path: .init(userId: id)).ok.body.json
/// ```
public struct CommerceClient: Sendable {
    /// The User service's operations.
    public let users: CommerceUserServiceClient.Client
    /// The Order service's operations.
    public let orders: CommerceOrderServiceClient.Client

    private let userService: URL
    private let orderService: URL
    private let transport: AsyncHTTPClientTransport

    /// Clients of the services at `userService` and `orderService` (their roots, such as
    /// `http://127.0.0.1:3000`), calling without a credential.
    /// - Parameters:
    ///   - httpClient: the AsyncHTTPClient to send through; the shared one by default.
    ///   - timeout: how long one request may take; 30 s by default.
    public init(
        userService: URL, orderService: URL, httpClient: HTTPClient = .shared, timeout: Duration = .seconds(30)
    ) {
        let transport = AsyncHTTPClientTransport(
            configuration: .init(client: httpClient, timeout: .nanoseconds(Self.nanoseconds(timeout))))
        self.init(userService: userService, orderService: orderService, transport: transport, credential: nil)
    }

    private init(
        userService: URL, orderService: URL, transport: AsyncHTTPClientTransport, credential: Credential?
    ) {
        self.userService = userService
        self.orderService = orderService
        self.transport = transport
        let middlewares: [any ClientMiddleware] = credential.map { [$0] } ?? []
        users = .init(
            serverURL: userService, configuration: Self.configuration, transport: transport, middlewares: middlewares)
        orders = .init(
            serverURL: orderService, configuration: Self.configuration, transport: transport, middlewares: middlewares)
    }

    /// These clients calling with `accessToken` as a bearer token (a customer or staff member signed in).
    public func signedIn(as accessToken: String) -> CommerceClient {
        CommerceClient(
            userService: userService, orderService: orderService, transport: transport,
            credential: Credential(field: .authorization, value: "Bearer \(accessToken)"))
    }

    /// These clients calling with the services' internal API key (`x-api-key`), as one service calls the
    /// other: user lookups, purges, revocations.
    public func internalCalls(apiKey: String) -> CommerceClient {
        CommerceClient(
            userService: userService, orderService: orderService, transport: transport,
            credential: Credential(field: HTTPField.Name("x-api-key")!, value: apiKey))
    }

    /// Timestamps as the services write them (ISO 8601, UTC, milliseconds); read with or without a fraction.
    static let configuration = Configuration(dateTranscoder: ServiceTimestamps())

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
    }
}

/// A credential in one header field, added to each request of the client it belongs to; each generated
/// client sends only to its own server URL, so the credential goes nowhere else.
struct Credential: ClientMiddleware {
    let field: HTTPField.Name
    let value: String

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        request.headerFields[field] = value
        return try await next(request, body, baseURL)
    }
}

/// ISO 8601 timestamps written with milliseconds, as the services write theirs, and read with or without a
/// fraction of a second (the runtime's own transcoders take one form only).
struct ServiceTimestamps: DateTranscoder {
    func encode(_ date: Date) throws -> String {
        date.formatted(Self.fractional)
    }

    func decode(_ text: String) throws -> Date {
        if let date = try? Self.fractional.parse(text) { return date }
        do {
            return try Self.whole.parse(text)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "Not an ISO 8601 timestamp."))
        }
    }

    private static let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    private static let whole = Date.ISO8601FormatStyle()
}
