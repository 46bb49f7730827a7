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
}
