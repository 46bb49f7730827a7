/// Turns passwords into stored hashes and checks them. Implementations are slow on purpose and must do
/// that work off the cooperative thread pool and off event loops.
public protocol PasswordHasher: Sendable {
    /// A new salted hash of the password.
    func hash(_ password: Password) async throws -> String
    /// Whether `clearText` matches `hash`. A malformed hash is `false`, not an error.
    func verify(_ clearText: String, against hash: String) async throws -> Bool
}
