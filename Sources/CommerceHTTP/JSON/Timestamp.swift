import CommerceCore
import Foundation

/// ISO 8601 timestamps in UTC with milliseconds (`2026-01-01T00:00:00.000Z`), written by hand: a list of
/// orders has two per order, and `Date.ISO8601FormatStyle` costs microseconds each.
enum Timestamp {
    /// The text of `date`, truncated to whole milliseconds.
    static func format(_ date: Date) -> String {
        var text = [UInt8]()
        text.reserveCapacity(24)
        append(date, to: &text)
        return String(decoding: text, as: UTF8.self)
    }

    /// Appends ``format(_:)``'s text to `text`: what a JSON writer does with it, without the `String`.
    static func append(_ date: Date, to text: inout [UInt8]) {
        let millis = date.millisecondsSince1970
        let (days, millisOfDay) = millis.quotientAndRemainder(dividingBy: 86_400_000)
        // Dates before 1970 have a negative remainder; borrow a day.
        let (day, ms) = millisOfDay < 0 ? (days - 1, millisOfDay + 86_400_000) : (days, millisOfDay)
        let (year, month, dayOfMonth) = civil(fromDaysSince1970: day)
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

    /// The day count from 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The time in `text` when it is written as ``format(_:)`` writes — `YYYY-MM-DDTHH:MM:SS`, an optional
    /// fraction of 1 to 9 digits (cut to milliseconds), and `Z` — and names a real date; `nil` otherwise.
    static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes.count <= 30, bytes.last == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for index in range {
                let byte = bytes[index]
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int64(byte - UInt8(ascii: "0"))
            }
            return value
        }
        let separators: [(Int, Character)] = [(4, "-"), (7, "-"), (10, "T"), (13, ":"), (16, ":")]
        guard separators.allSatisfy({ bytes[$0.0] == UInt8(ascii: $0.1.unicodeScalars.first!) }),
            let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            (1...12).contains(month), hour < 24, minute < 60, second < 60
        else { return nil }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let lengths: [Int64] = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard (1...lengths[Int(month - 1)]).contains(day) else { return nil }
        var millis: Int64 = 0
        if bytes.count > 20 {
            let digits = 20..<(bytes.count - 1)
            guard bytes[19] == UInt8(ascii: "."), (1...9).contains(digits.count), let fraction = number(digits) else {
                return nil
            }
            millis = fraction
            for _ in 0..<max(0, 3 - digits.count) { millis *= 10 }
            for _ in 0..<max(0, digits.count - 3) { millis /= 10 }
        }
        let seconds = Timestamp.days(fromCivil: year, month, day) * 86_400 + hour * 3600 + minute * 60 + second
        return Date(millisecondsSince1970: seconds * 1000 + millis)
    }
}
