import Foundation

/// The JSON coders of the HTTP edge: camelCase keys as declared, sorted keys for stable output.
enum JSONCoding {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static let decoder = JSONDecoder()

    /// ISO 8601 in UTC with milliseconds: `2026-01-01T00:00:00.000Z`.
    static func timestamp(_ date: Date) -> String { Timestamp.format(date) }
}
