import CommerceCore
import Foundation

/// ISO 8601 timestamps in UTC with milliseconds (`2026-01-01T00:00:00.000Z`), written by hand: a list of
/// orders has two per order, and `Date.ISO8601FormatStyle` costs microseconds each.
enum Timestamp {
    /// The text of `date`, truncated to whole milliseconds.
    static func format(_ date: Date) -> String {
        let millis = date.millisecondsSince1970
        let (days, millisOfDay) = millis.quotientAndRemainder(dividingBy: 86_400_000)
        // Dates before 1970 have a negative remainder; borrow a day.
        let (day, ms) = millisOfDay < 0 ? (days - 1, millisOfDay + 86_400_000) : (days, millisOfDay)
        let (year, month, dayOfMonth) = civil(fromDaysSince1970: day)
        var text = [UInt8]()
        text.reserveCapacity(24)
        func append(_ value: Int64, digits: Int) {
            var divisor: Int64 = 1
            for _ in 1..<digits { divisor *= 10 }
            var rest = value
            while divisor > 0 {
                text.append(UInt8(ascii: "0") + UInt8(rest / divisor))
                rest %= divisor
                divisor /= 10
            }
        }
        append(year, digits: 4)
        text.append(UInt8(ascii: "-"))
        append(month, digits: 2)
        text.append(UInt8(ascii: "-"))
        append(dayOfMonth, digits: 2)
        text.append(UInt8(ascii: "T"))
        append(ms / 3_600_000, digits: 2)
        text.append(UInt8(ascii: ":"))
        append(ms / 60_000 % 60, digits: 2)
        text.append(UInt8(ascii: ":"))
        append(ms / 1000 % 60, digits: 2)
        text.append(UInt8(ascii: "."))
        append(ms % 1000, digits: 3)
        text.append(UInt8(ascii: "Z"))
        return String(decoding: text, as: UTF8.self)
    }

    /// The proleptic Gregorian date of a day count from 1970-01-01 (Howard Hinnant's `civil_from_days`).
    static func civil(fromDaysSince1970 days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
