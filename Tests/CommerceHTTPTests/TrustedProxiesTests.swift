import CommerceCore
import CommerceHTTP
import CommerceStorage
import CommerceTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Trusted proxies: who the client is")
struct TrustedProxiesTests {
    let proxies = try! TrustedProxies(["10.0.0.0/8", "192.0.2.1", "fd00::/8"])

    func headers(_ pairs: [(String, String)]) -> HTTPFields {
        var fields = HTTPFields()
        for (name, value) in pairs { fields.append(HTTPField(name: HTTPField.Name(name)!, value: value)) }
        return fields
    }

    @Test func withoutTrustedProxiesTheHeadersAreIgnored() {
        let forged = headers([("X-Forwarded-For", "198.51.100.7"), ("Forwarded", "for=198.51.100.8")])
        #expect(TrustedProxies.none.clientAddress(peer: "203.0.113.5", headers: forged) == "203.0.113.5")
        #expect(proxies.clientAddress(peer: "203.0.113.5", headers: forged) == "203.0.113.5", "an untrusted peer")
    }

    @Test func fromATrustedProxyTheRightmostUntrustedAddressIsTheClient() {
        let chain = headers([("X-Forwarded-For", "198.51.100.99, 203.0.113.5, 10.1.2.3")])
        #expect(proxies.clientAddress(peer: "10.9.9.9", headers: chain) == "203.0.113.5")
        let split = headers([("X-Forwarded-For", "198.51.100.99"), ("X-Forwarded-For", "203.0.113.5")])
        #expect(proxies.clientAddress(peer: "10.9.9.9", headers: split) == "203.0.113.5", "field lines in order")
        #expect(proxies.clientAddress(peer: "10.9.9.9", headers: [:]) == "10.9.9.9", "no chain: the proxy itself")
        let onlyProxies = headers([("X-Forwarded-For", "10.0.0.1, 192.0.2.1")])
        #expect(proxies.clientAddress(peer: "192.0.2.1", headers: onlyProxies) == "10.0.0.1")
    }

    @Test func forwardedWinsOverXForwardedForAndIsParsedAsRFC7239Says() {
        let both = headers([
            ("X-Forwarded-For", "198.51.100.1"),
            ("Forwarded", #"for=198.51.100.2;proto=https, for="[2001:db8:cafe::17]:4711";by=10.0.0.1"#),
        ])
        #expect(proxies.clientAddress(peer: "10.0.0.1", headers: both) == "2001:db8:cafe::17")
        let withPort = headers([("Forwarded", "For=\"203.0.113.5:8080\"")])
        #expect(proxies.clientAddress(peer: "fd12::1", headers: withPort) == "203.0.113.5")
    }

    @Test func rangesMatchByPrefixAndEntriesAreChecked() throws {
        #expect(proxies.contains("10.255.0.1") && !proxies.contains("11.0.0.1"))
        #expect(proxies.contains("::ffff:10.0.0.7"), "an IPv4-mapped address is its IPv4 address")
        #expect(proxies.contains("fdab::1") && !proxies.contains("fe80::1"))
        #expect(try TrustedProxies(["172.16.0.0/12"]).contains("172.31.255.255"))
        #expect(!(try TrustedProxies(["172.16.0.0/12"]).contains("172.32.0.0")))
        for bad in ["10.0.0.0/33", "not-an-address", "10.0.0/8", "::1/129"] {
            #expect(throws: TrustedProxies.InvalidEntry.self, "\(bad)") { try TrustedProxies([bad]) }
        }
    }
}

/// The login throttle, live, behind a proxy on the loopback address.
@Suite("The login throttle behind a proxy")
struct ThrottleBehindAProxyTests {
    /// The User service, its connections arriving from 127.0.0.1, which is trusted or not.
    static func userApp(trusting proxies: TrustedProxies) async throws -> some ApplicationProtocol {
        var settings = TestSystem.settings()
        settings.trustedProxies = proxies
        return try await userApplication(settings: settings, store: InMemoryUserStore(), orders: NoOrderService())
    }

    static func failLogin(_ client: some TestClientProtocol, email: String, forwardedFor: String?) async throws
        -> HTTPResponse.Status
    {
        var headers = jsonHeaders
        if let forwardedFor { headers[HTTPField.Name("X-Forwarded-For")!] = forwardedFor }
        return try await client.execute(
            uri: "/api/user/login", method: .post, headers: headers,
            body: json(#"{"email":"\#(email)","password":"wrong password"}"#)
        ) { $0.status }
    }

    @Test func oneNoisyClientBehindTheProxyDoesNotLockOutAnother() async throws {
        try await Self.userApp(trusting: try TrustedProxies(["127.0.0.1"])).test(.live) { client in
            // The proxy appends the address it saw; the noisy client forges a left part every time.
            for index in 0..<50 {
                let status = try await Self.failLogin(
                    client, email: "n\(index)@example.com", forwardedFor: "198.51.100.\(index), 203.0.113.5")
                #expect(status == .unauthorized)
            }
            let noisy = try await Self.failLogin(client, email: "x@example.com", forwardedFor: "203.0.113.5")
            #expect(noisy == .tooManyRequests, "the noisy client is throttled, whatever it forged")
            let other = try await Self.failLogin(client, email: "y@example.com", forwardedFor: "198.51.100.7")
            #expect(other == .unauthorized, "another client behind the same proxy is not")
        }
    }

    @Test func withoutTrustedProxiesRotatingTheHeaderBypassesNothing() async throws {
        try await Self.userApp(trusting: .none).test(.live) { client in
            for index in 0..<50 {
                let status = try await Self.failLogin(
                    client, email: "r\(index)@example.com", forwardedFor: "198.51.100.\(index)")
                #expect(status == .unauthorized)
            }
            let next = try await Self.failLogin(client, email: "z@example.com", forwardedFor: "203.0.113.200")
            #expect(next == .tooManyRequests, "the connection's own address was throttled")
        }
    }
}

/// An Order service that is never reached: these tests delete no one.
struct NoOrderService: OrderServicePeer {
    func purgeOrders(of userId: UserID) async throws -> Int { 0 }
    func revokeTokens(of userId: UserID, issuedBefore date: Date) async throws {}
    func orders(of userId: UserID) async throws -> [Order] { [] }
}
