import Testing

@testable import CommerceHTTP

/// How an `Authorization` value gives up its bearer token: the scheme in any letter case, the token without
/// the white space around it, and nothing for any other scheme or an empty token.
@Suite("Bearer tokens in Authorization values")
struct BearerTokenTests {
    @Test(arguments: [
        ("Bearer abc", "abc"), ("bearer abc", "abc"), ("BEARER  abc ", "abc"), (" Bearer abc", "abc"),
        ("  Bearer  abc", "abc"), ("Bearer \tabc\t", "abc"), ("Bearer a b", "a b"), ("Bearer é", "é"),
    ])
    func theTokenAfterTheScheme(_ value: String, _ token: String) {
        #expect(Credentials.bearerToken(in: value) == token)
    }

    @Test(arguments: [
        "", " ", "Bearer", "Bearer ", "Bearer   ", "Bearer \t", "Bearer\tabc", "Basic abc", "Bearerx abc",
        "Bearr abc", "Béarer abc",
    ])
    func noTokenForAnotherSchemeOrNone(_ value: String) {
        #expect(Credentials.bearerToken(in: value) == nil)
    }
}
