import CommerceCore

/// Entity tags, so `If-Match` can name the version of a resource a client saw: an order's version, quoted
/// (`"3"`); a user's `updatedAt` in milliseconds, quoted.
enum EntityTag {
    static func of(_ order: Order) -> String { "\"\(order.version)\"" }

    static func of(_ user: User) -> String { "\"\(user.updatedAt.millisecondsSince1970)\"" }

    /// The version `If-Match` requires: `nil` when absent or `*`; for a tag that names no version of ours,
    /// 0, which nothing has (so the change is refused as stale).
    static func expectedVersion(_ ifMatch: String?) throws -> Int? {
        guard let value = ifMatch.map({ Substring($0).trimmingSpacesAndTabs }), !value.isEmpty, value != "*" else {
            return nil
        }
        let tag = value.hasPrefix("W/") ? value.dropFirst(2) : value
        guard tag.count >= 3, tag.first == "\"", tag.last == "\"", let version = Int(tag.dropFirst().dropLast()),
            version > 0
        else { return 0 }
        return version
    }
}
