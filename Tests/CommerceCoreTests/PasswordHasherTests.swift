import CommerceBcrypt
import CommerceCore
import Testing

@Suite("bcrypt password hashing")
struct PasswordHasherTests {
    let hasher = try! BcryptPasswordHasher(cost: 4)

    @Test func hashesVerifyOnlyTheirPassword() async throws {
        let hash = try await hasher.hash(Password("correct horse battery"))
        #expect(hash.hasPrefix("$2"))
        #expect(!hash.contains("correct horse"))
        #expect(try await hasher.verify("correct horse battery", against: hash))
        #expect(try await !hasher.verify("correct horse batterY", against: hash))
        #expect(try await !hasher.verify("anything", against: "not a bcrypt hash"))
    }

    @Test func everyCharacterCountsBeyondBcrypts72Bytes() async throws {
        let prefix = String(repeating: "ü", count: 60)  // 120 bytes of UTF-8
        let hash = try await hasher.hash(Password(prefix + "A"))
        #expect(try await !hasher.verify(prefix + "B", against: hash))
        #expect(try await hasher.verify(prefix + "A", against: hash))
    }

    @Test func theCostIsBounded() {
        #expect(throws: CommerceError.self) { try BcryptPasswordHasher(cost: 3) }
        #expect(throws: CommerceError.self) { try BcryptPasswordHasher(cost: 32) }
        #expect((try? BcryptPasswordHasher())?.cost == 12)
    }
}
