import Foundation

/// An exact amount of money in whole minor units (cents): how this client holds the prices and totals
/// that the Order service writes as decimal numbers of major units with at most two decimal places.
/// Decoded from the number's digits, never through a `Double`, so `0.29` is 29 cents, not 28.999….
public struct ExactAmount: Codable, Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The amount in minor units: 1234 is 12.34.
    public var minorUnits: Int

    /// `minorUnits` minor units: `ExactAmount(minorUnits: 1234)` is 12.34.
    public init(minorUnits: Int) {
        self.minorUnits = minorUnits
    }

    /// Reads a JSON number of major units.
    /// - Throws: `DecodingError.dataCorrupted` for a number with more than two decimal places, or too large.
    public init(from decoder: any Decoder) throws {
        var scaled = try decoder.singleValueContainer().decode(Decimal.self) * 100
        var whole = Decimal()
        NSDecimalRound(&whole, &scaled, 0, .plain)
        guard whole == scaled, let units = Int(exactly: NSDecimalNumber(decimal: whole).int64Value),
            Decimal(units) == whole
        else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "Not an amount of whole cents."))
        }
        minorUnits = units
    }

    /// Writes a JSON number of major units, exactly: 1234 minor units is `12.34`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Decimal(minorUnits) / 100)
    }

    public static func < (lhs: ExactAmount, rhs: ExactAmount) -> Bool { lhs.minorUnits < rhs.minorUnits }

    /// Major units with two decimal places: `12.34`, `-0.05`.
    public var description: String {
        let sign = minorUnits < 0 ? "-" : ""
        let magnitude = minorUnits.magnitude
        let cents = magnitude % 100
        return "\(sign)\(magnitude / 100).\(cents < 10 ? "0" : "")\(cents)"
    }
}
