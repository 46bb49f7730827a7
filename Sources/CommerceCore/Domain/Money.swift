import Foundation

/// An amount of money in integer minor units (cents): never a floating-point number.
///
/// Every currency here has two fraction digits, as the order contract says: `12.34` is `Money(minorUnits: 1234)`.
/// Arithmetic is checked: an overflow throws instead of wrapping.
public struct Money: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The amount in minor units (hundredths).
    public let minorUnits: Int64

    /// How many minor units make one major unit.
    public static let minorUnitsPerMajor: Int64 = 100
    /// No money.
    public static let zero = Money(minorUnits: 0)

    /// An amount in minor units (cents).
    public init(minorUnits: Int64) { self.minorUnits = minorUnits }

    /// Parses a decimal amount exactly (no binary floating point on the way): `"12.3"` → 1230 minor units.
    ///
    /// Accepts an optional minus sign, digits, and at most two fraction digits that are not zero; anything
    /// else is `nil`. Read byte by byte: every placement's prices come through here.
    public init?(decimalText text: String) {
        var rest = text.utf8[...]
        let negative = rest.first == UInt8(ascii: "-")
        if negative { rest = rest.dropFirst() }
        var amount: Int64 = 0
        var wholeDigits = 0
        while let byte = rest.first, byte != UInt8(ascii: ".") {
            guard let digit = Self.digit(byte), let next = Self.appending(digit, to: amount) else { return nil }
            amount = next
            wholeDigits += 1
            rest = rest.dropFirst()
        }
        guard wholeDigits > 0 else { return nil }
        // The fraction: a point and at least one digit; past the second, only zeros.
        var fraction: [Int64] = []
        if !rest.isEmpty {
            rest = rest.dropFirst()
            guard !rest.isEmpty else { return nil }
            for byte in rest {
                guard let digit = Self.digit(byte) else { return nil }
                if fraction.count < 2 { fraction.append(digit) } else if digit != 0 { return nil }
            }
        }
        for place in 0..<2 {
            guard let next = Self.appending(place < fraction.count ? fraction[place] : 0, to: amount) else {
                return nil
            }
            amount = next
        }
        self.minorUnits = negative ? -amount : amount
    }

    private static func digit(_ byte: UInt8) -> Int64? {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? Int64(byte - UInt8(ascii: "0")) : nil
    }

    /// `amount * 10 + digit`, `nil` past `Int64`.
    private static func appending(_ digit: Int64, to amount: Int64) -> Int64? {
        let (shifted, overflow) = amount.multipliedReportingOverflow(by: 10)
        let (sum, overflow2) = shifted.addingReportingOverflow(digit)
        return overflow || overflow2 ? nil : sum
    }

    /// Converts a `Decimal` exactly; `nil` when it has more than two fraction digits or is out of range.
    ///
    /// Read from the decimal's parts (significand × 10^exponent) when its significand fits `Int64`, as every
    /// decoded price's does: the text round trip below costs about 1.3 µs, twice a placement
    /// (Documentation/PerformanceLog.md).
    public init?(exactly decimal: Decimal) {
        guard decimal.isFinite else { return nil }
        let significand = decimal.significand
        let digits = NSDecimalNumber(decimal: significand).int64Value
        if Decimal(digits) == significand {
            guard let minor = Self.minorUnits(digits, exponent: decimal.exponent) else { return nil }
            self.init(minorUnits: decimal.sign == .minus ? -minor : minor)
            return
        }
        var value = decimal
        var rounded = Decimal()
        NSDecimalRound(&rounded, &value, 2, .plain)
        guard rounded == decimal else { return nil }
        // `description` writes plain digits with a `.`, whatever the locale.
        self.init(decimalText: rounded.description)
    }

    /// `digits` × 10^`exponent` in hundredths; `nil` with a nonzero digit past the second fraction digit or
    /// past `Int64`.
    private static func minorUnits(_ digits: Int64, exponent: Int) -> Int64? {
        var minor = digits
        var scale = exponent + 2
        while scale < 0 {
            guard minor % 10 == 0 else { return nil }
            minor /= 10
            scale += 1
        }
        while scale > 0 {
            let (next, overflow) = minor.multipliedReportingOverflow(by: 10)
            guard !overflow else { return nil }
            minor = next
            scale -= 1
        }
        return minor
    }

    /// The amount as an exact `Decimal` in major units (`1234` → `12.34`).
    public var decimalValue: Decimal {
        Decimal(minorUnits) / Decimal(Self.minorUnitsPerMajor)
    }

    /// `self + other`, throwing instead of overflowing.
    public func adding(_ other: Money) throws(CommerceError) -> Money {
        let (sum, overflow) = minorUnits.addingReportingOverflow(other.minorUnits)
        guard !overflow else { throw CommerceError.validation(field: "total", "is too large") }
        return Money(minorUnits: sum)
    }

    /// `self × factor`, throwing instead of overflowing.
    public func multiplied(by factor: Int64) throws(CommerceError) -> Money {
        let (product, overflow) = minorUnits.multipliedReportingOverflow(by: factor)
        guard !overflow else { throw CommerceError.validation(field: "total", "is too large") }
        return Money(minorUnits: product)
    }

    /// Orders amounts by value.
    public static func < (lhs: Money, rhs: Money) -> Bool { lhs.minorUnits < rhs.minorUnits }

    /// `12.34` style text.
    public var description: String {
        let sign = minorUnits < 0 ? "-" : ""
        let magnitude = minorUnits.magnitude
        let fraction = magnitude % UInt64(Self.minorUnitsPerMajor)
        return "\(sign)\(magnitude / UInt64(Self.minorUnitsPerMajor)).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
