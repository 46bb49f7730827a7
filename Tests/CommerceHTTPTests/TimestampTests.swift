import CommerceCore
import Foundation
import Testing

@testable import CommerceHTTP

@Suite("Timestamps in JSON")
struct TimestampTests {
    /// The hand-written formatter agrees with Foundation's ISO 8601 style on every kind of date: leap days,
    /// century years, before 1970, the last millisecond of a day.
    @Test func theFormatterWritesWhatFoundationWrites() {
        let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)
        var generator = SystemRandomNumberGenerator()
        var millis: [Int64] = [
            0, -1, 951_782_400_000, 4_107_542_399_999, -2_208_988_800_000, 1_767_225_599_999,
        ]
        millis += (0..<2000).map { _ in Int64.random(in: -2_208_988_800_000...253_402_300_799_999, using: &generator) }
        for value in millis {
            let date = Date(millisecondsSince1970: value)
            #expect(date.millisecondsSince1970 == value, "a timestamp survives the round trip through Date")
            // Foundation truncates the Double, which may sit a hair below the millisecond: nudge it up.
            let reference = Date(timeIntervalSince1970: Double(value) / 1000 + 0.0004).formatted(style)
            #expect(Timestamp.format(date) == reference, "\(value)")
        }
        #expect(Timestamp.format(Date(millisecondsSince1970: 253_402_300_799_999)) == "9999-12-31T23:59:59.999Z")
    }

    /// The parser reads back everything the formatter writes, from year 0 to 9999.
    @Test func theParserReadsWhatTheFormatterWrites() {
        var generator = SystemRandomNumberGenerator()
        var millis: [Int64] = [0, -1, 951_782_400_000, -62_167_219_200_000, 253_402_300_799_999]
        millis += (0..<2000).map { _ in Int64.random(in: -62_167_219_200_000...253_402_300_799_999, using: &generator) }
        for value in millis {
            let text = Timestamp.format(Date(millisecondsSince1970: value))
            #expect(Timestamp.parse(text)?.millisecondsSince1970 == value, "\(text)")
        }
    }

    @Test(arguments: [
        ("2026-01-02T03:04:05Z", 1_767_323_045_000), ("2026-01-02T03:04:05.5Z", 1_767_323_045_500),
        ("2026-01-02T03:04:05.123456789Z", 1_767_323_045_123), ("2024-02-29T00:00:00.000Z", 1_709_164_800_000),
    ])
    func fractionsAreCutToMilliseconds(_ text: String, _ millis: Int64) {
        #expect(Timestamp.parse(text)?.millisecondsSince1970 == millis)
    }

    @Test(arguments: [
        "", "yesterday", "2026-01-02", "2026-01-02T03:04:05", "2026-01-02T03:04:05+01:00", "2026-01-02t03:04:05z",
        "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-01-01T24:00:00Z",
        "2026-01-01T23:59:60Z", "2026-01-01T00:00:00.Z", "2026-01-01T00:00:00.1234567890Z", "２026-01-01T00:00:00Z",
    ])
    func anythingElseIsRefused(_ text: String) {
        #expect(Timestamp.parse(text) == nil)
    }
}
