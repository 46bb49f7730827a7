import Foundation

/// The strict reading of a compact JWS that RFC 8725 (JWT best current practices) asks for: exactly one
/// spelling of a token is accepted, and a header is read only when it cannot mean two things.
///
/// - Three segments, each canonical unpadded base64url (RFC 7515 §2): no `=`, no character outside the
///   alphabet, no unused bits set — so `token + "="` and other re-spellings of a valid token are refused
///   rather than verified.
/// - The header is one JSON object whose member names are unique (a duplicated `alg` could be read one way
///   here and another way elsewhere), with no `crit` (this verifier understands no extension, and RFC 7515
///   §4.1.11 says a `crit` it does not understand makes the token invalid).
enum CompactToken {
    /// The header's `alg`, when `token` passes every rule above; `nil` otherwise.
    static func algorithm(of token: String) -> String? {
        let segments = token.split(separator: ".", omittingEmptySubsequences: false)
        guard segments.count == 3, let header = decode(segments[0]), decode(segments[1]) != nil,
            decode(segments[2]) != nil
        else { return nil }
        guard let names = JSONMemberNames.topLevel(of: header), Set(names).count == names.count,
            !names.contains("crit"),
            let object = try? JSONSerialization.jsonObject(with: header) as? [String: Any]
        else { return nil }
        return object["alg"] as? String
    }

    /// The bytes of a canonical unpadded base64url segment; `nil` for anything else.
    static func decode(_ segment: Substring) -> Data? {
        guard !segment.isEmpty, segment.utf8.count % 4 != 1,
            segment.utf8.allSatisfy({ isBase64URL($0) })
        else { return nil }
        var base64 = segment.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.utf8.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), encode(data) == segment else { return nil }
        return data
    }

    /// Unpadded base64url.
    static func encode(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    private static func isBase64URL(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
            true
        default:
            false
        }
    }
}

/// The member names of a JSON object's top level, in order and with repeats — what a JSON parser that
/// keeps the last of two equal names hides.
enum JSONMemberNames {
    /// The names, each unescaped; `nil` when `data` is not a JSON object this scanner can follow.
    static func topLevel(of data: Data) -> [String]? {
        let bytes = [UInt8](data)
        var index = 0
        func skipSpace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }
        /// The string starting at `index` (a quote), with `index` moved past it.
        func string() -> String? {
            let start = index
            index += 1
            while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
                index += bytes[index] == UInt8(ascii: "\\") ? 2 : 1
            }
            guard index < bytes.count else { return nil }
            index += 1
            return try? JSONSerialization.jsonObject(with: Data(bytes[start..<index]), options: .fragmentsAllowed)
                as? String
        }
        /// Moves `index` past one value (nested objects and arrays included).
        func skipValue() -> Bool {
            var depth = 0
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "\""):
                    guard string() != nil else { return false }
                    if depth == 0 { return true }
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    if depth == 0 { return true }  // the end of the enclosing object
                    depth -= 1
                    if depth == 0 {
                        index += 1
                        return true
                    }
                case UInt8(ascii: ","):
                    if depth == 0 { return true }
                default:
                    break
                }
                index += 1
            }
            return false
        }
        skipSpace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else { return nil }
        index += 1
        var names: [String] = []
        while true {
            skipSpace()
            guard index < bytes.count else { return nil }
            if bytes[index] == UInt8(ascii: "}"), names.isEmpty { return names }
            guard bytes[index] == UInt8(ascii: "\""), let name = string() else { return nil }
            names.append(name)
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
            index += 1
            skipSpace()
            guard skipValue() else { return nil }
            skipSpace()
            guard index < bytes.count else { return nil }
            if bytes[index] == UInt8(ascii: "}") { return names }
            guard bytes[index] == UInt8(ascii: ",") else { return nil }
            index += 1
        }
    }
}
