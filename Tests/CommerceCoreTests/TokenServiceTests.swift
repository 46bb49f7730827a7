import CommerceCore
import CommerceTesting
import Crypto
import Foundation
import Testing

@Suite("Access tokens (HS256, pinned, claims checked against the clock)")
struct TokenServiceTests {
    let clock = TestClock()
    let secret = try! SigningSecret("token-tests-secret-0123456789abcdefghij")

    func service(issuer: String = "swift-commerce", audience: String = "swift-commerce") async -> TokenService {
        await TokenService(
            configuration: .init(secret: secret, issuer: issuer, audience: audience, lifetime: .seconds(900)),
            clock: clock)
    }

    /// Signs arbitrary header and claims with the test secret (or another key), to forge tokens.
    func forge(header: String = #"{"alg":"HS256","typ":"JWT"}"#, claims: [String: Any], key: [UInt8]? = nil) -> String {
        let now = clock.now().timeIntervalSince1970
        var payload: [String: Any] = [
            "sub": UserID().description, "iat": now, "exp": now + 600, "iss": "swift-commerce", "aud": "swift-commerce",
        ]
        for (name, value) in claims { payload[name] = value }
        payload = payload.filter { !($0.value is NSNull) }
        let body = try! JSONSerialization.data(withJSONObject: payload)
        let input = Self.base64URL(Data(header.utf8)) + "." + Self.base64URL(body)
        let mac = HMAC<SHA256>.authenticationCode(
            for: Data(input.utf8), using: SymmetricKey(data: key ?? secret.bytes))
        return input + "." + Self.base64URL(Data(mac))
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    func expectRejected(_ token: String, _ comment: Comment) async {
        let tokens = await service()
        let error = await #expect(throws: CommerceError.self, comment) { _ = try await tokens.verify(token) }
        #expect(error?.code == .unauthenticated, comment)
    }

    @Test func issuedTokensVerifyToTheirUser() async throws {
        let tokens = await service()
        let userId = UserID()
        let issued = try await tokens.issue(for: userId)
        #expect(issued.expiresIn == .seconds(900))
        #expect(try await tokens.verify(issued.token) == userId)
        #expect(!"\(issued)".contains(issued.token), "a token never prints")
    }

    @Test func aSecretShorterThan32BytesIsRefused() {
        #expect(throws: CommerceError.self) { try SigningSecret(String(repeating: "k", count: 31)) }
        #expect(throws: Never.self) { try SigningSecret(String(repeating: "k", count: 32)) }
        #expect("\(secret)" == "SigningSecret(redacted)")
    }

    @Test func expiryHonoursTheLeeway() async throws {
        let tokens = await service()
        let issued = try await tokens.issue(for: UserID())
        clock.advance(by: .seconds(900 + 59))
        await #expect(throws: Never.self) { _ = try await tokens.verify(issued.token) }
        clock.advance(by: .seconds(2))
        await #expect(throws: CommerceError.unauthenticated("The token has expired.")) {
            _ = try await tokens.verify(issued.token)
        }
    }

    @Test func noneAndOtherAlgorithmsAreRefused() async {
        let none = Self.base64URL(Data(#"{"alg":"none","typ":"JWT"}"#.utf8)) + "."
            + Self.base64URL(Data(#"{"sub":"\#(UserID())","exp":9999999999}"#.utf8)) + "."
        await expectRejected(none, "alg none")
        await expectRejected(forge(header: #"{"alg":"HS384","typ":"JWT"}"#, claims: [:]), "HS384 header")
        await expectRejected(forge(header: #"{"typ":"JWT"}"#, claims: [:]), "no alg")
    }

    @Test func aBadSignatureIsRefused() async {
        await expectRejected(forge(claims: [:], key: Array("another-secret-of-at-least-32-bytes!!".utf8)), "other key")
        var tampered = forge(claims: [:])
        tampered.removeLast(2)
        await expectRejected(tampered + "AA", "tampered signature")
        await expectRejected("not.a.token", "garbage")
        await expectRejected("", "empty")
    }

    @Test func forgedClaimsWithTheRightKeyVerify() async throws {
        // The forging helper itself must produce acceptable tokens, or the refusals below prove nothing.
        let userId = UserID()
        let tokens = await service()
        #expect(try await tokens.verify(forge(claims: ["sub": userId.description])) == userId)
    }

    @Test func wrongIssuerAudienceOrTimesAreRefused() async {
        let now = clock.now().timeIntervalSince1970
        await expectRejected(forge(claims: ["iss": "someone-else"]), "issuer")
        await expectRejected(forge(claims: ["aud": "someone-else"]), "audience")
        await expectRejected(forge(claims: ["exp": now - 61]), "expired past leeway")
        await expectRejected(forge(claims: ["iat": now + 120]), "issued in the future")
        await expectRejected(forge(claims: ["nbf": now + 120]), "not yet valid")
        await expectRejected(forge(claims: ["sub": NSNull()]), "no subject")
        await expectRejected(forge(claims: ["sub": "not-a-uuid"]), "subject not a user id")
        await expectRejected(forge(claims: ["exp": NSNull()]), "no expiry")
    }
}
