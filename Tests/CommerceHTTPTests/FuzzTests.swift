import CommerceCore
import CommerceHTTP
import CommerceStorage
import CommerceTestSupport
import CommerceTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// 1000 random and malformed requests at both services: no 5xx, every error is problem+json, and the
/// stores are unchanged. Seeded, so a failure reproduces.
@Suite("Fuzz")
struct FuzzTests {
    /// A small deterministic generator (SplitMix64).
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    struct Case: CustomStringConvertible {
        let method: HTTPRequest.Method
        let uri: String
        let headers: HTTPFields
        let body: ByteBuffer?
        var description: String { "\(method) \(uri) \(headers) \(body.map { String(buffer: $0).prefix(80) } ?? "")" }
    }

    static let methods: [HTTPRequest.Method] = [.get, .post, .put, .delete, .patch, .options, .head]

    static func pick<T>(_ items: [T], _ random: inout SeededGenerator) -> T {
        items[Int(random.next() % UInt64(items.count))]
    }

    static func junk(_ random: inout SeededGenerator, length: Int) -> String {
        let alphabet = Array("abcXYZ019-_.~%/{}[]\":,\\ é😀\u{0}\u{7F}<>&?=#")
        return String((0..<length).map { _ in pick(alphabet, &random) })
    }

    static func path(_ random: inout SeededGenerator, userId: String) -> String {
        let ids = [
            userId, UUID().uuidString, "not-a-uuid", "", "..", "%00", String(repeating: "a", count: 300), "1e9", "null",
        ]
        let templates = [
            "/api/user", "/api/user/login", "/api/user/{id}", "/api/order", "/api/order/{id}", "/health", "/",
            "/api", "/api/user/{id}/extra", "/api//order", "/api/order/{id}?limit={q}&after={q}",
            "/api/order/{id}?limit={q}",
            "/{junk}",
        ]
        var path = pick(templates, &random)
        path = path.replacingOccurrences(of: "{id}", with: pick(ids, &random))
        path = path.replacingOccurrences(
            of: "{q}", with: pick(["-1", "0", "abc", "99999999999999999999", "", "%FF"], &random))
        path = path.replacingOccurrences(
            of: "{junk}",
            with: junk(&random, length: Int(random.next() % 20)).addingPercentEncoding(
                withAllowedCharacters: .urlPathAllowed) ?? "x")
        return path
    }

    static func body(_ random: inout SeededGenerator) -> String {
        let fragments = [
            "", "{", "}", "[]", "null", "true", "1e999", "-0", "\"text\"", "{\"a\":", "{\"email\":[]}",
            #"{"username":"","email":"fuzz-\#(random.next())@example.com","password":"short"}"#,
            #"{"username":5,"email":"fuzz@example.com","password":"long enough password"}"#,
            #"{"email":"fuzz@example.com","password":null}"#,
            #"{"items":[],"deliveryAddress":"a"}"#,
            #"{"items":[{"productId":"p","name":"n","quantity":0,"price":1}],"deliveryAddress":"a"}"#,
            #"{"items":[{"productId":"p","name":"n","quantity":1,"price":"1"}],"deliveryAddress":"a"}"#,
            #"{"items":[{"productId":"p","name":"n","quantity":1,"price":1.005}],"deliveryAddress":"a"}"#,
            #"{"items":[{"productId":"p","name":"n","quantity":1e30,"price":1}],"deliveryAddress":"a"}"#,
            #"{"items":"nope","deliveryAddress":{}}"#,
            String(repeating: "[", count: 5000),
        ]
        var text = pick(fragments, &random)
        if random.next() % 3 == 0 { text += junk(&random, length: Int(random.next() % 40)) }
        if random.next() % 5 == 0, !text.isEmpty { text = String(text.prefix(Int(random.next() % UInt64(text.count)))) }
        return text
    }

    /// Random headers; the victim's real token only on requests that cannot change anything with it (a valid
    /// DELETE would legitimately delete, and every body is invalid anyway).
    static func headers(_ random: inout SeededGenerator, token: String, method: HTTPRequest.Method) -> HTTPFields {
        let token = method == .delete ? "x.y.z" : token
        var headers: HTTPFields = [:]
        if let type = pick(
            [
                "application/json", "application/json; charset=utf-8", "text/plain", "application/xml",
                "application/problem+json", nil,
            ], &random)
        {
            headers[.contentType] = type
        }
        switch random.next() % 5 {
        case 0: headers[.authorization] = "Bearer \(token)"
        case 1:
            headers[.authorization] =
                "Bearer "
                + junk(&random, length: 30).filter { $0.isASCII && !$0.isWhitespace && $0 != "\u{0}" && $0 != "\u{7F}" }
        case 2: headers[.authorization] = pick(["Basic abc", "Bearer", "bearer  x.y.z", "Token abc"], &random)
        case 3: headers[.apiKey] = pick(["", "wrong", String(repeating: "k", count: 64)], &random)
        default: break
        }
        if random.next() % 4 == 0 {
            headers[.idempotencyKey] = pick(["", "k", String(repeating: "i", count: 300), "a b"], &random)
        }
        return headers
    }

    @Test func aThousandMalformedRequestsNeverBreakTheServices() async throws {
        let system = try await TestSystem()
        let harness = try await CommerceHarness(userStore: system.userStore)
        let (victim, token) = try await harness.registerAndLogIn()
        var random = SeededGenerator(state: 20_261_125)
        var cases: [Case] = []
        for _ in 0..<1000 {
            let method = Self.pick(Self.methods, &random)
            let body: ByteBuffer? =
                [.post, .put, .patch, .delete].contains(method) ? ByteBuffer(string: Self.body(&random)) : nil
            cases.append(
                Case(
                    method: method, uri: Self.path(&random, userId: victim.id.description),
                    headers: Self.headers(&random, token: token, method: method), body: body))
        }
        let userCases = cases.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
        let orderCases = cases.enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
        let victimId = victim.id
        for (app, cases) in [(system.userApp() as any ApplicationProtocol, userCases), (system.orderApp(), orderCases)]
        {
            try await Self.check(app, cases: cases, protecting: victimId)
        }
        // Nothing changed: the victim and their (no) orders are as they were, no event, no new user.
        #expect(try await system.userStore.user(id: victim.id)?.user == victim)
        #expect(try await system.userStore.pendingEvents(limit: 10).isEmpty)
        #expect(try await system.orderStore.orders(of: victim.id, after: nil, limit: 10).isEmpty)
        #expect(try await system.orderStore.isTombstoned(victim.id) == false)
        #expect(try await system.userStore.user(email: EmailAddress(trusted: "fuzz@example.com")) == nil)
    }

    static func check(_ app: some ApplicationProtocol, cases: [Case], protecting victim: UserID) async throws {
        try await app.test(.router) { client in
            for request in cases {
                try await client.execute(
                    uri: request.uri, method: request.method, headers: request.headers, body: request.body
                ) { response in
                    #expect(response.status.code < 500, "\(request)")
                    if response.status.code >= 400, request.method != .head {
                        #expect(response.headers[.contentType] == "application/problem+json", "\(request)")
                    }
                }
            }
        }
    }
}
