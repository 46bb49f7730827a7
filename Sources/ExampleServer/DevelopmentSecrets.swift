import CommerceCore
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The JWT secret and API key: from the configuration when set; otherwise, outside production, generated
/// once into the data directory (mode 0600) and reused, so `user` and `order` processes started on one data
/// directory agree. In production a missing or short secret is an error.
enum DevelopmentSecrets {
    static func resolve(
        jwtSecret: String?, apiKey: String?, production: Bool, dataDirectory: String
    ) throws -> (jwtSecret: SigningSecret, apiKey: SigningSecret) {
        func make(_ value: String?, name: String, file: String) throws -> SigningSecret {
            if let value {
                do {
                    return try SigningSecret(value, field: name)
                } catch {
                    throw SettingsError("\(name) must be at least \(SigningSecret.minimumByteCount) bytes.")
                }
            }
            if production { throw SettingsError("\(name) (or \(name)_FILE) is required when COMMERCE_ENV=production.") }
            return try SigningSecret(try loadOrCreate(in: dataDirectory, file: file), field: name)
        }
        return (
            try make(jwtSecret, name: "JWT_SECRET", file: "jwt-secret"),
            try make(apiKey, name: "API_KEY", file: "api-key")
        )
    }

    /// Reads `<directory>/secrets/<file>`, creating it first with 48 random bytes (base64url) if it does not
    /// exist. Creation is atomic (write a private temporary file, then `link` it into place, which fails if
    /// another process got there first), so two processes starting together still agree.
    static func loadOrCreate(in directory: String, file: String) throws -> String {
        let folder = URL(fileURLWithPath: directory).appending(path: "secrets")
        let path = folder.appending(path: file).path
        if let existing = read(path) { return existing }
        do {
            try FileManager.default.createDirectory(
                at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw SettingsError("cannot create \(folder.path) for the generated development secrets.")
        }
        var bytes = [UInt8](repeating: 0, count: 48)
        var generator = SystemRandomNumberGenerator()
        for index in bytes.indices { bytes[index] = generator.next() }
        let secret = Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        let temporary = path + ".\(getpid()).\(UUID().uuidString)"
        guard
            FileManager.default.createFile(
                atPath: temporary, contents: Data(secret.utf8), attributes: [.posixPermissions: 0o600])
        else { throw SettingsError("cannot write the generated development secret \(path).") }
        defer { unlink(temporary) }
        if link(temporary, path) != 0, errno != EEXIST {
            throw SettingsError("cannot store the generated development secret \(path).")
        }
        guard let stored = read(path) else { throw SettingsError("cannot read the development secret \(path).") }
        return stored
    }

    private static func read(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).map {
            String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }.flatMap { $0.isEmpty ? nil : $0 }
    }
}
