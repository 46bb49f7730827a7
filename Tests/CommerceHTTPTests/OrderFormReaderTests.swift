import CommerceCore
import Foundation
import Testing

@testable import CommerceHTTP

/// The order reader must answer exactly what `JSONDecoder` answers wherever it answers at all: the
/// routes decode with `JSONDecoder` whenever it says `nil`.
@Suite struct OrderFormReaderTests {
    private static func read(_ json: String) -> OrderForm? {
        Array(json.utf8).withUnsafeBytes { OrderFormReader.read($0) }
    }

    private static func decoded(_ json: String) throws -> OrderForm {
        try JSONDecoder().decode(OrderForm.self, from: Data(json.utf8))
    }

    @Test(arguments: [
        #"{"items":[{"productId":"tea-1","name":"Green tea","quantity":2,"price":4.99}],"deliveryAddress":"1 Main St"}"#,
        #" { "deliveryAddress" : "Straße 5, Zürich" , "currency":"EUR", "items" : [ ] } "#,
        "{\"items\":[\n\t{\"price\":0.5,\"quantity\":10000,\"name\":\"🍵\",\"productId\":\"p\"},\r\n{}]}",
        #"{"items":[{"price":4.990},{"price":10},{"price":0},{"price":1000000.00},{"price":123456789012345678}]}"#,
        "{}",
    ])
    func readsTheCommonShapeAsJSONDecoderDoes(json: String) throws {
        let read = try #require(Self.read(json), "the common shape is read")
        let decoded = try Self.decoded(json)
        #expect(read == decoded)
        for pricing in PricingMode.allCases {
            #expect(
                (try? OrderDraft(read, pricing: pricing)) == (try? OrderDraft(decoded, pricing: pricing)),
                "the same draft, prices included, with \(pricing) pricing")
        }
    }

    @Test(arguments: [
        (#"{"deliveryAddress":"1 \"Main\" St"}"#, "an escape"),
        (#"{"deliveryAddress":null}"#, "null"),
        (#"{"items":[{"price":1e2}]}"#, "an exponent"),
        (#"{"items":[{"price":-4.99}]}"#, "a minus sign"),
        (#"{"items":[{"quantity":2.0}]}"#, "a fraction in an integer"),
        (#"{"items":[{"quantity":02}]}"#, "a leading zero"),
        (#"{"items":[{"price":4.}]}"#, "a point without digits"),
        (#"{"items":[{"price":1234567890123456789}]}"#, "19 digits"),
        (#"{"items":[{"price":"4.99"}]}"#, "a string for a number"),
        (#"{"items":[{"sku":"x"}]}"#, "an unknown member"),
        (#"{"currency":"USD","currency":"EUR"}"#, "a repeated member"),
        (#"{"currency":"USD"} x"#, "something after the object"),
        (#"{"currency":"USD""#, "an unfinished object"),
        (#"{"currency":"USD",}"#, "a trailing comma"),
        (#"[]"#, "not an object"),
        ("", "nothing"),
    ])
    func leavesEverythingElseToJSONDecoder(json: String, what: String) {
        #expect(Self.read(json) == nil, "\(what) is not the common shape")
    }

    @Test func leavesTextThatIsNotUTF8ToJSONDecoder() {
        let bytes: [UInt8] = Array(#"{"deliveryAddress":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
        #expect(bytes.withUnsafeBytes { OrderFormReader.read($0) } == nil)
    }
}
