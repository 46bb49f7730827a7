import CommerceCore
import CommerceTesting
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

    /// A token with the given header and claims, signed with the test secret unless `key` says otherwise.
    func forge(
        header: String = #"{"alg":"HS256","typ":"JWT"}"#, claims: [String: ForgedToken.Value], key: [UInt8]? = nil
    )
        -> String
    {
        ForgedToken.make(header: header, claims: claims, secret: key ?? secret.bytes, now: clock.now())
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
        #expect(try await tokens.verify(issued.token) == .user(userId))
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
        // This answer comes from the cache of verified tokens: their times are checked on every use.
        await #expect(throws: CommerceError.unauthenticated("The token has expired.")) {
            _ = try await tokens.verify(issued.token)
        }
    }

    @Test func noneAndOtherAlgorithmsAreRefused() async {
        await expectRejected(ForgedToken.unsigned(sub: UserID().description, now: clock.now()), "alg none")
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

    @Test func onlyTheCanonicalSpellingOfATokenVerifies() async throws {
        let tokens = await service()
        let userId = UserID()
        let token = try await tokens.issue(for: userId).token
        let (header, payload, signature) = {
            let parts = token.split(separator: ".").map(String.init)
            return (parts[0], parts[1], parts[2])
        }()
        await expectRejected(token + "=", "padding appended")
        await expectRejected(token + "==", "two padding characters appended")
        await expectRejected("\(header)=.\(payload).\(signature)", "a padded header")
        await expectRejected("\(header).\(payload).\(signature).", "a fourth segment")
        await expectRejected("\(header).\(payload)", "no signature")
        await expectRejected(
            "\(header).\(payload).\(signature.replacingOccurrences(of: "_", with: "/"))x", "not base64url")
        // A 32-byte signature is 43 characters with 2 bits to spare: flipping the lowest spells the same bytes
        // another way.
        let last = try #require(signature.last)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        let value = try #require(alphabet.firstIndex(of: last))
        let respelled = String(signature.dropLast()) + String(alphabet[value ^ 1])
        await expectRejected("\(header).\(payload).\(respelled)", "unused bits set")
        #expect(try await tokens.verify(token) == .user(userId), "the token itself still verifies")
    }

    @Test func aHeaderThatCouldMeanTwoThingsIsRefused() async throws {
        await expectRejected(forge(header: #"{"alg":"none","alg":"HS256","typ":"JWT"}"#, claims: [:]), "alg twice")
        await expectRejected(forge(header: #"{"alg":"HS256","a\u006cg":"HS256"}"#, claims: [:]), "alg twice, escaped")
        await expectRejected(forge(header: #"{"alg":"HS256","crit":["exp"],"exp":1}"#, claims: [:]), "crit")
        await expectRejected(forge(header: #"["alg","HS256"]"#, claims: [:]), "not an object")
        let tokens = await service()
        let userId = UserID()
        let plain = forge(
            header: #"{"alg":"HS256","kid":"k1","x":{"alg":"none"}}"#, claims: ["sub": .string(userId.description)])
        #expect(try await tokens.verify(plain) == .user(userId), "other members, nested ones too, are fine")
    }

    @Test func forgedClaimsWithTheRightKeyVerify() async throws {
        // The forging helper itself must produce acceptable tokens, or the refusals below prove nothing.
        let userId = UserID()
        let tokens = await service()
        #expect(try await tokens.verify(forge(claims: ["sub": .string(userId.description)])) == .user(userId))
    }

    @Test func wrongIssuerAudienceOrTimesAreRefused() async {
        let now = clock.now().timeIntervalSince1970
        await expectRejected(forge(claims: ["iss": .string("someone-else")]), "issuer")
        await expectRejected(forge(claims: ["aud": .string("someone-else")]), "audience")
        await expectRejected(forge(claims: ["exp": .number(now - 61)]), "expired past leeway")
        await expectRejected(forge(claims: ["iat": .number(now + 120)]), "issued in the future")
        await expectRejected(forge(claims: ["nbf": .number(now + 120)]), "not yet valid")
        await expectRejected(forge(claims: ["sub": .absent]), "no subject")
        await expectRejected(forge(claims: ["sub": .string("not-a-uuid")]), "subject not a user id")
        await expectRejected(forge(claims: ["exp": .absent]), "no expiry")
    }
}
