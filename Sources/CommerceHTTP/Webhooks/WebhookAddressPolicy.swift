import Foundation
import Glibc
import NIOCore
import NIOPosix

/// Which addresses a webhook may be delivered to: without ``allowsPrivate``, none on this machine or its
/// private networks (loopback, RFC 1918, carrier-grade NAT, link-local — a cloud's metadata service —,
/// unique-local, unspecified, multicast), so a subscription cannot turn the Order service into a way in
/// (server-side request forgery). Judged on the addresses the host resolves to, at each delivery: a name
/// that resolved to a public address yesterday may resolve to a private one today.
public struct WebhookAddressPolicy: Sendable {
    /// Whether private and loopback addresses are allowed: outside production, for local receivers.
    public let allowsPrivate: Bool

    /// A policy that refuses private addresses unless `allowsPrivate`.
    public init(allowsPrivate: Bool) { self.allowsPrivate = allowsPrivate }

    /// Why `host` may not be delivered to, or `nil` when it may: every address it resolves to must be one
    /// the policy allows (a name with one private address among public ones is refused).
    public func refusal(of host: String) async -> String? {
        if allowsPrivate { return nil }
        let addresses: [SocketAddress]
        do {
            addresses = try await Self.resolve(host)
        } catch {
            return nil  // unresolvable: the delivery fails to connect, and is retried
        }
        guard addresses.allSatisfy({ !Self.isPrivate($0) }) else {
            return "The endpoint's host resolves to a private, loopback or link-local address, which deliveries refuse."
        }
        return nil
    }

    /// The addresses `host` resolves to (a literal address is itself), off the event loops.
    static func resolve(_ host: String) async throws -> [SocketAddress] {
        let literal = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if let address = try? SocketAddress(ipAddress: literal, port: 0) { return [address] }
        return try await NIOThreadPool.singleton.runIfActive {
            var hints = addrinfo()
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var list: UnsafeMutablePointer<addrinfo>?
            guard getaddrinfo(literal, nil, &hints, &list) == 0, let first = list else {
                throw Unresolvable()
            }
            defer { freeaddrinfo(first) }
            var addresses: [SocketAddress] = []
            var entry: UnsafeMutablePointer<addrinfo>? = first
            while let current = entry {
                if let address = current.pointee.ai_addr {
                    switch Int32(address.pointee.sa_family) {
                    case AF_INET:
                        addresses.append(
                            address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                                SocketAddress($0.pointee, host: literal)
                            })
                    case AF_INET6:
                        addresses.append(
                            address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                                SocketAddress($0.pointee, host: literal)
                            })
                    default: break
                    }
                }
                entry = current.pointee.ai_next
            }
            return addresses
        }
    }

    /// A host that resolves to nothing.
    struct Unresolvable: Error {}

    /// Whether `address` is loopback, private, shared, link-local, unspecified or multicast.
    static func isPrivate(_ address: SocketAddress) -> Bool {
        switch address {
        case .v4(let v4):
            return isPrivate(v4: UInt32(bigEndian: v4.address.sin_addr.s_addr))
        case .v6(let v6):
            let bytes = withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
            if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF {
                // An IPv4 address written as IPv6 (::ffff:a.b.c.d) is judged as the IPv4 address.
                return isPrivate(v4: bytes[12...].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
            }
            if bytes[0..<15].allSatisfy({ $0 == 0 }) { return true }  // :: and ::1
            if bytes[0] & 0xFE == 0xFC { return true }  // fc00::/7, unique local
            if bytes[0] == 0xFE, bytes[1] & 0xC0 == 0x80 { return true }  // fe80::/10, link-local
            return bytes[0] == 0xFF  // multicast
        case .unixDomainSocket:
            return true
        }
    }

    private static func isPrivate(v4 address: UInt32) -> Bool {
        let ranges: [(UInt32, Int)] = [
            (0x0000_0000, 8), (0x0A00_0000, 8), (0x6440_0000, 10), (0x7F00_0000, 8), (0xA9FE_0000, 16),
            (0xAC10_0000, 12), (0xC000_0000, 24), (0xC0A8_0000, 16), (0xC612_0000, 15), (0xE000_0000, 4),
            (0xF000_0000, 4),
        ]
        return ranges.contains { base, bits in address >> (32 - UInt32(bits)) == base >> (32 - UInt32(bits)) }
    }
}
