import CommerceCore
import Foundation
import Testing

@Suite("Money in integer minor units")
struct MoneyTests {
    @Test(
        arguments: [
            ("0", 0), ("12", 1200), ("12.3", 1230), ("12.34", 1234), ("12.340", 1234), ("0.01", 1), ("-1.5", -150),
            ("1000000", 100_000_000), ("007.50", 750), ("92233720368547758.07", .max),
        ] as [(String, Int64)])
    func parsesDecimalTextExactly(_ text: String, _ minor: Int64) {
        #expect(Money(decimalText: text) == Money(minorUnits: minor))
    }

    @Test(arguments: [
        "", ".", "1.", ".5", "1.234", "1e3", "abc", "1.2.3", "--1", "-", "+1", " 1", "1 ", "99999999999999999999",
        "92233720368547758.08",
    ])
    func refusesWhatIsNotAnAmount(_ text: String) {
        #expect(Money(decimalText: text) == nil)
    }

    @Test func jsonNumbersDecodeExactlyThroughDecimal() throws {
        let json = Data(
            #"[{"price": 0.1}, {"price": 19.99}, {"price": 1e2}, {"price": 123456.78}, {"price": 0.005}, {"price": -2.5}, {"price": 1e30}]"#
                .utf8)
        let items = try JSONDecoder().decode([OrderItemForm].self, from: json)
        #expect(
            items.map { $0.price.flatMap(Money.init(exactly:)) } == [
                Money(minorUnits: 10), Money(minorUnits: 1999), Money(minorUnits: 10_000),
                Money(minorUnits: 12_345_678), nil, Money(minorUnits: -250), nil,
            ])
    }

    /// Decimals built from their parts, as no decoder makes them: not in lowest terms, with a significand
    /// past `Int64`, or a scale that overflows.
    @Test(
        arguments: [
            (Decimal(sign: .plus, exponent: -3, significand: 4_990), 499),
            (Decimal(sign: .minus, exponent: -4, significand: 12_300), -123),
            (Decimal(sign: .plus, exponent: -3, significand: 4_991), nil),
            (Decimal(sign: .plus, exponent: -20, significand: Decimal(string: "100000000000000000000")!), 100),
            (Decimal(sign: .plus, exponent: 16, significand: 9), 9_000_000_000_000_000_000),
            (Decimal(sign: .plus, exponent: 17, significand: 1), nil),
            (Decimal(sign: .plus, exponent: -2, significand: Decimal(Int64.max)), .max),
            (Decimal(sign: .minus, exponent: 0, significand: 0), 0),
        ] as [(Decimal, Int64?)])
    func decimalsConvertExactlyHoweverTheyAreBuilt(_ decimal: Decimal, _ minor: Int64?) {
        #expect(Money(exactly: decimal) == minor.map(Money.init(minorUnits:)))
    }

    @Test func arithmeticIsChecked() throws {
        #expect(try Money(minorUnits: 1).adding(Money(minorUnits: 2)) == Money(minorUnits: 3))
        #expect(try Money(minorUnits: 250).multiplied(by: 4) == Money(minorUnits: 1000))
        #expect(throws: CommerceError.self) { try Money(minorUnits: .max).adding(Money(minorUnits: 1)) }
        #expect(throws: CommerceError.self) { try Money(minorUnits: .max / 2 + 1).multiplied(by: 2) }
    }

    @Test func describesAsMajorUnits() {
        #expect(Money(minorUnits: 1234).description == "12.34")
        #expect(Money(minorUnits: 5).description == "0.05")
        #expect(Money(minorUnits: -150).description == "-1.50")
        #expect(Money(minorUnits: 1999).decimalValue == Decimal(string: "19.99"))
    }
}
