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
    /// Accepts an optional minus sign, digits, and at most two fraction digits; anything else is `nil`.
    public init?(decimalText text: String) {
        var digits = Substring(text)
        let negative = digits.first == "-"
        if negative { digits = digits.dropFirst() }
        let parts = digits.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        let fraction = parts.count > 1 ? parts[1] : ""
        guard !whole.isEmpty, whole.allSatisfy(\.isASCIIDigit), fraction.allSatisfy(\.isASCIIDigit),
            parts.count == 1 || !fraction.isEmpty
        else { return nil }
        let significantFraction = fraction.reversed().drop { $0 == "0" }.reversed()
        guard significantFraction.count <= 2 else { return nil }
        let paddedFraction = String(significantFraction) + String(repeating: "0", count: 2 - significantFraction.count)
        guard let major = Int64(whole), let minor = Int64(paddedFraction) else { return nil }
        let (scaled, overflow) = major.multipliedReportingOverflow(by: Self.minorUnitsPerMajor)
        guard !overflow else { return nil }
        let (sum, overflow2) = scaled.addingReportingOverflow(minor)
        guard !overflow2 else { return nil }
        self.minorUnits = negative ? -sum : sum
    }

    /// Converts a `Decimal` exactly; `nil` when it has more than two fraction digits or is out of range.
    public init?(exactly decimal: Decimal) {
        guard decimal.isFinite else { return nil }
        var value = decimal
        var rounded = Decimal()
        NSDecimalRound(&rounded, &value, 2, .plain)
        guard rounded == decimal else { return nil }
        var text = rounded
        self.init(decimalText: NSDecimalString(&text, Locale(identifier: "en_US_POSIX")))
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
