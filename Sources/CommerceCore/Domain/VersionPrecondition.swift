/// What a client's `If-Match` lets a change apply to: the versions its strong entity tags name (an order's
/// `version`, a user's `updatedAt` in milliseconds). RFC 9110 (13.1.1): the field is a list, and the change
/// applies when the current version is any of them; a weak tag never matches. `*` (any current version) is
/// no precondition at all, so it is not one of these.
public struct VersionPrecondition: Sendable, Hashable {
    /// The versions the client named; empty when it named none of ours (then nothing matches).
    public let versions: Set<Int64>

    /// A precondition met by any of `versions`.
    public init(_ versions: Set<Int64>) { self.versions = versions }

    /// Whether a change may apply to the `current` version.
    public func admits(_ current: Int64) -> Bool { versions.contains(current) }
}
