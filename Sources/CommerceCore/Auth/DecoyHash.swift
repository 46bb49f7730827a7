/// A hash of a random password at the hasher's cost, made once on first use, so that logging in with an
/// unknown email costs as much as with a wrong password.
actor DecoyHash {
    private let hasher: any PasswordHasher
    private var hash: Task<String, any Error>?

    init(hasher: any PasswordHasher) { self.hasher = hasher }

    func value() async throws -> String {
        if let hash { return try await hash.value }
        let hasher = hasher
        let task = Task {
            try await hasher.hash(Password("decoy-" + String(UInt64.random(in: .min ... .max), radix: 36)))
        }
        hash = task
        return try await task.value
    }
}
