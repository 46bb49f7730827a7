import CommerceCore
import Foundation

/// Reads an order request of the common shape straight from its bytes, without `JSONDecoder`: every
/// placement's body comes through here (the micro-benchmark "Order request decode + validate" measures
/// it; `JSONDecoder` showed in a placement's profile under `scripts/bench`).
///
/// The common shape is an object with `items` (objects with `productId`, `name`, `quantity` and `price`),
/// `deliveryAddress` and `currency`, each at most once, in any order and any of them absent; strings
/// without escapes; a quantity written as a plain integer; a price as plain digits with an optional
/// fraction. Anything else (an escape, `null`, an exponent, a minus sign, an unknown or repeated member,
/// JSON that is not valid) is `nil`, and the body is then decoded by `JSONDecoder`, which gives the same
/// form, or the error, it always gave. So this reader only ever answers what `JSONDecoder` would.
struct OrderFormReader {
    private let bytes: UnsafeRawBufferPointer
    private var index = 0

    private init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// The form, or `nil` when the body is not of the common shape.
    static func read(_ bytes: UnsafeRawBufferPointer) -> OrderForm? {
        var reader = OrderFormReader(bytes)
        guard let form = reader.form() else { return nil }
        reader.skipSpace()
        return reader.index == bytes.count ? form : nil
    }

    private mutating func form() -> OrderForm? {
        var form = OrderForm()
        var object = Object()
        while let member = nextMember(of: &object) {
            switch member {
            case .items:
                guard let items = items() else { return nil }
                form.items = items
            case .deliveryAddress:
                guard let address = string() else { return nil }
                form.deliveryAddress = address
            case .currency:
                guard let currency = string() else { return nil }
                form.currency = currency
            default: return nil
            }
        }
        return object.state == .complete ? form : nil
    }

    private mutating func items() -> [OrderItemForm]? {
        guard take(UInt8(ascii: "[")) else { return nil }
        var items: [OrderItemForm] = []
        if take(UInt8(ascii: "]")) { return items }
        repeat {
            guard let item = item() else { return nil }
            items.append(item)
        } while take(UInt8(ascii: ","))
        return take(UInt8(ascii: "]")) ? items : nil
    }

    private mutating func item() -> OrderItemForm? {
        var item = OrderItemForm()
        var object = Object()
        while let member = nextMember(of: &object) {
            switch member {
            case .productId:
                guard let productId = string() else { return nil }
                item.productId = productId
            case .name:
                guard let name = string() else { return nil }
                item.name = name
            case .quantity:
                guard let quantity = integer() else { return nil }
                item.quantity = quantity
            case .price:
                guard let price = decimal() else { return nil }
                item.price = price
            default: return nil
            }
        }
        return object.state == .complete ? item : nil
    }

    /// Where the reading of one object is: which members it has had (a repeated one is not the common
    /// shape), and whether it is still open, was read to its `}`, or is not of the common shape.
    private struct Object {
        enum State { case unopened, open, complete, failed }
        var state = State.unopened
        private var seen: UInt8 = 0

        /// Adds `member`; false when the object had it already.
        mutating func firstTime(_ member: Member) -> Bool {
            let bit: UInt8 = 1 << member.rawValue
            defer { seen |= bit }
            return seen & bit == 0
        }
    }

    /// Reads up to the next member's value: the member, or `nil` once the object is complete or is found
    /// not to be of the common shape (then `object.state` says which). The caller reads the value.
    private mutating func nextMember(of object: inout Object) -> Member? {
        switch object.state {
        case .unopened:
            guard take(UInt8(ascii: "{")) else {
                object.state = .failed
                return nil
            }
            if take(UInt8(ascii: "}")) {
                object.state = .complete
                return nil
            }
            object.state = .open
        case .open:
            if take(UInt8(ascii: "}")) {
                object.state = .complete
                return nil
            }
            guard take(UInt8(ascii: ",")) else {
                object.state = .failed
                return nil
            }
        case .complete, .failed:
            return nil
        }
        guard let member = memberName(), object.firstTime(member), take(UInt8(ascii: ":")) else {
            object.state = .failed
            return nil
        }
        return member
    }

    /// The members an order and its lines may have; a name not among them is not the common shape.
    private enum Member: Int, CaseIterable {
        case items, deliveryAddress, currency, productId, name, quantity, price

        /// Each name's bytes, to compare without making a `String` of the key.
        static let names: [(Member, [UInt8])] = allCases.map { ($0, Array("\($0)".utf8)) }
    }

    private mutating func memberName() -> Member? {
        guard let range = stringBytes() else { return nil }
        let name = UnsafeRawBufferPointer(rebasing: bytes[range])
        return Member.names.first { $0.1.elementsEqual(name) }?.0
    }

    /// A string without escapes; its bytes must be valid UTF-8, as `JSONDecoder` requires.
    private mutating func string() -> String? {
        guard let range = stringBytes() else { return nil }
        return String(validating: bytes[range], as: UTF8.self)
    }

    /// The bytes between a string's quotes, when it has no escape and no control character.
    private mutating func stringBytes() -> Range<Int>? {
        guard take(UInt8(ascii: "\"")) else { return nil }
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return start..<(index - 1)
            }
            guard byte != UInt8(ascii: "\\"), byte >= 0x20 else { return nil }
            index += 1
        }
        return nil
    }

    /// An integer written as plain digits (no sign, no fraction, no leading zero), within `Int`.
    private mutating func integer() -> Int? {
        guard let (digits, fractionDigits) = number(), fractionDigits == 0 else { return nil }
        return Int(exactly: digits)
    }

    /// A number written as plain digits with an optional fraction, with at most 18 digits in all: exact in
    /// a `Decimal`, as `JSONDecoder` reads it.
    private mutating func decimal() -> Decimal? {
        guard let (digits, fractionDigits) = number() else { return nil }
        return Decimal(sign: .plus, exponent: -fractionDigits, significand: Decimal(digits))
    }

    /// The digits of `0`, `123` or `12.34` as one integer and how many of them follow the point.
    private mutating func number() -> (digits: UInt64, fractionDigits: Int)? {
        skipSpace()
        var digits: UInt64 = 0
        var count = 0
        var fractionDigits = 0
        var afterPoint = false
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "."), !afterPoint, count > 0 {
                afterPoint = true
                index += 1
                continue
            }
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { break }
            guard count < 18 else { return nil }
            digits = digits * 10 + UInt64(byte - UInt8(ascii: "0"))
            count += 1
            if afterPoint { fractionDigits += 1 }
            index += 1
        }
        guard count > 0, !afterPoint || fractionDigits > 0 else { return nil }
        // JSON writes no leading zero: `01` is not a number.
        guard bytes[start] != UInt8(ascii: "0") || count - fractionDigits == 1 else { return nil }
        // What follows must end the number: an exponent or a second point is not the common shape.
        if index < bytes.count, [UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: ".")].contains(bytes[index]) {
            return nil
        }
        return (digits, fractionDigits)
    }

    /// Skips JSON's whitespace, then takes `byte` if it is next.
    private mutating func take(_ byte: UInt8) -> Bool {
        skipSpace()
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    private mutating func skipSpace() {
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): index += 1
            default: return
            }
        }
    }
}
