import CommerceSupport

/// The domain's values as the JSON writer writes them: money as an exact decimal, ids as their text.
extension JSONWriter {
    /// An amount in major units, exactly and as short as it goes: 1999 cents is `19.99`, 150 is `1.5`,
    /// 500 is `5`.
    package mutating func money(_ value: Money) {
        raw { bytes in
            if value.minorUnits < 0 { bytes.append(UInt8(ascii: "-")) }
            let (major, minor) = value.minorUnits.magnitude.quotientAndRemainder(
                dividingBy: UInt64(Money.minorUnitsPerMajor))
            bytes.append(contentsOf: String(major).utf8)
            if minor != 0 {
                bytes.append(UInt8(ascii: "."))
                bytes.append(UInt8(ascii: "0") + UInt8(minor / 10))
                if minor % 10 != 0 { bytes.append(UInt8(ascii: "0") + UInt8(minor % 10)) }
            }
        }
    }

    /// A money member: its key, then its amount.
    package mutating func member(_ name: StaticString, _ value: Money) {
        key(name)
        money(value)
    }

    /// An identifier member: its lower-case UUID text, written in place.
    package mutating func member(_ name: StaticString, _ value: some CommerceIdentifier) {
        member(name, uuid: value.uuid)
    }
}
