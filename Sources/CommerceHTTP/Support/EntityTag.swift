import CommerceCore

/// Entity tags, so `If-Match` can name the version of a resource a client saw: an order's version, quoted
/// (`"3"`); a user's `updatedAt` in milliseconds, quoted.
enum EntityTag {
    static func of(_ order: Order) -> String { "\"\(order.version)\"" }

    static func of(_ user: User) -> String { "\"\(user.updatedAt.millisecondsSince1970)\"" }

    /// What `If-Match` requires (RFC 9110, 13.1.1): `nil` when absent or `*` (any current version); else
    /// the versions its strong tags name, from a comma-separated list. A weak tag (`W/"3"`) never matches
    /// under the strong comparison `If-Match` uses, and a tag that names no version of ours matches
    /// nothing, so neither adds a version: a list of only such tags is refused as stale.
    static func precondition(_ ifMatch: String?) -> VersionPrecondition? {
        guard let field = ifMatch else { return nil }
        var versions: Set<Int64> = []
        var rest = Substring(field)
        while true {
            rest = rest.drop { $0 == " " || $0 == "\t" || $0 == "," }
            if rest.isEmpty { break }
            if rest.first == "*" { return nil }
            let weak = rest.hasPrefix("W/")
            if weak { rest = rest.dropFirst(2) }
            guard rest.first == "\"", let close = rest.dropFirst().firstIndex(of: "\"") else { break }
            let opaque = rest[rest.index(after: rest.startIndex)..<close]
            if !weak, let version = Int64(opaque), version > 0, String(version) == opaque {
                versions.insert(version)
            }
            rest = rest[rest.index(after: close)...]
        }
        return VersionPrecondition(versions)
    }
}
