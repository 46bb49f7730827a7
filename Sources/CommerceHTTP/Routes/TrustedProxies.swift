import Foundation
import HTTPTypes

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The proxies whose word about the client is taken: addresses and CIDR ranges (`TRUSTED_PROXIES`).
///
/// The login throttle counts failures per client address. Behind a proxy (a load balancer, Render's edge)
/// the connection's other end is the proxy, so every client would share its count. When — and only when —
/// the connection comes from a trusted proxy, the client is the rightmost address of the forwarding chain
/// (`Forwarded: for=`, RFC 7239, or else `X-Forwarded-For`) that is not itself a trusted proxy: the one the
/// outermost trusted proxy saw. Whatever stands to its left was written by the client and is ignored, so a
/// forged chain changes nothing. From any other peer the headers are ignored entirely.
public struct TrustedProxies: Sendable, Hashable {
    private let ranges: [IPRange]

    /// No proxy is trusted: the client is always the connection's other end. The default.
    public static let none = TrustedProxies(ranges: [])

    private init(ranges: [IPRange]) { self.ranges = ranges }

    /// Trusts each of `entries`: an IPv4 or IPv6 address, or a CIDR range (`10.0.0.0/8`, `fd00::/8`).
    /// - Throws: `TrustedProxies.InvalidEntry` naming the first entry that is neither.
    public init(_ entries: [String]) throws {
        ranges = try entries.map { entry in
            guard let range = IPRange(entry.trimmingCharacters(in: .whitespaces)) else {
                throw InvalidEntry(entry: entry)
            }
            return range
        }
    }

    /// An entry of `TRUSTED_PROXIES` that is neither an address nor a CIDR range.
    public struct InvalidEntry: Error, CustomStringConvertible {
        /// The entry as given.
        public let entry: String
        /// One line naming it.
        public var description: String { "\(entry) is neither an IP address nor a CIDR range" }
    }

    /// Whether nothing is trusted.
    public var isEmpty: Bool { ranges.isEmpty }

    /// Whether `address` is one of the trusted proxies.
    public func contains(_ address: String) -> Bool {
        guard let address = IPAddress(address) else { return false }
        return ranges.contains { $0.contains(address) }
    }

    /// The client's address: `peer` itself unless `peer` is a trusted proxy, in which case the rightmost
    /// address of the forwarding chain in `headers` that is not a trusted proxy (or the leftmost, when every
    /// one is). `nil` when there is no peer.
    public func clientAddress(peer: String?, headers: HTTPFields) -> String? {
        guard let peer else { return nil }
        guard !ranges.isEmpty, contains(peer) else { return peer }
        let chain = Self.forwardedChain(headers)
        guard !chain.isEmpty else { return peer }
        return chain.last { !contains($0) } ?? chain.first
    }

    /// The `for=` nodes of `Forwarded`, or else the addresses of `X-Forwarded-For`, left to right, each
    /// without port or brackets. Every field line counts, in order.
    static func forwardedChain(_ headers: HTTPFields) -> [String] {
        let forwarded = headers[values: .forwarded]
        if !forwarded.isEmpty {
            return forwarded.flatMap { $0.split(separator: ",") }.compactMap { element in
                element.split(separator: ";").lazy.map { $0.trimmingCharacters(in: .whitespaces) }
                    .first { $0.lowercased().hasPrefix("for=") }
                    .map { node(String($0.dropFirst(4))) }
            }
        }
        return headers[values: .xForwardedFor].flatMap { $0.split(separator: ",") }
            .map { node($0.trimmingCharacters(in: .whitespaces)) }.filter { !$0.isEmpty }
    }

    /// An address as forwarded: quotes, brackets and a port taken away (`"[2001:db8::1]:4711"` →
    /// `2001:db8::1`, `192.0.2.1:80` → `192.0.2.1`); anything else (`unknown`, `_hidden`) as it is.
    private static func node(_ text: String) -> String {
        var value = text.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        if value.hasPrefix("["), let close = value.firstIndex(of: "]") {
            return String(value[value.index(after: value.startIndex)..<close])
        }
        if value.filter({ $0 == ":" }).count == 1, let colon = value.firstIndex(of: ":") {
            value = String(value[..<colon])
        }
        return value
    }
}

extension HTTPField.Name {
    /// RFC 7239's `Forwarded`.
    static let forwarded = HTTPField.Name("Forwarded")!
    /// The de facto `X-Forwarded-For`.
    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
}

/// An IPv4 or IPv6 address as its bytes; an IPv4-mapped IPv6 address is its IPv4 address.
struct IPAddress: Hashable, Sendable {
    let bytes: [UInt8]

    init?(_ text: String) {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
            return
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        let all = withUnsafeBytes(of: &v6) { Array($0) }
        bytes = all[0..<12] == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF] ? Array(all[12...]) : all
    }
}

/// An address and a prefix length: `10.0.0.0/8`; a bare address is its own /32 or /128.
struct IPRange: Hashable, Sendable {
    let network: IPAddress
    let prefix: Int

    init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
        guard let network = IPAddress(parts[0]) else { return nil }
        let bits = network.bytes.count * 8
        let prefix = parts.count == 2 ? Int(parts[1]) : bits
        guard let prefix, (0...bits).contains(prefix) else { return nil }
        self.network = network
        self.prefix = prefix
    }

    func contains(_ address: IPAddress) -> Bool {
        guard address.bytes.count == network.bytes.count else { return false }
        var remaining = prefix
        for (a, b) in zip(address.bytes, network.bytes) where remaining > 0 {
            let bits = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
            if a & mask != b & mask { return false }
            remaining -= bits
        }
        return true
    }
}
