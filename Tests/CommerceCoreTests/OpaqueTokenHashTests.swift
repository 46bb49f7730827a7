import CommerceCore
import Testing

/// What a store keeps of an opaque token: its SHA-256 in lowercase hex, the same text in every store.
struct OpaqueTokenHashTests {
    @Test func theStoredHashIsTheTokensSHA256InLowercaseHex() {
        // FIPS 180-2's test vector for "abc".
        #expect(
            OpaqueToken(presented: "abc").hash == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
