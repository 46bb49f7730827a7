import CommerceCore
import CommerceSupport
import Foundation
import Testing

@testable import CommerceHTTP

@Suite("JSON writer")
struct JSONWriterTests {
    private func written(_ body: (inout JSONWriter) -> Void) -> String {
        var writer = JSONWriter()
        body(&writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    @Test func stringsAreEscapedSoAnyTextRoundTrips() throws {
        let nasty = "quote \" backslash \\ slash / newline \n tab \t nul \u{0} bell \u{7} del \u{7F} é 😀 \u{2028}"
        let text = written {
            $0.beginArray()
            $0.string(nasty)
            $0.endArray()
        }
        let parsed = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String]
        #expect(parsed == [nasty])
        #expect(text.contains("/") && !text.contains("\\/"), "slashes are not escaped, as before")
    }

    /// Escapes first, last and next to each other, as JSON kept inside JSON has them.
    @Test(arguments: ["\"", "\"\"", "\\\"x\"", "a\"", "\u{1}b\n", #"{"items":[{"id":"p"}]}"#, ""])
    func escapesAtEitherEndAndSideBySideRoundTrip(_ text: String) throws {
        let written = written {
            $0.beginArray()
            $0.string(text)
            $0.endArray()
        }
        #expect(try JSONSerialization.jsonObject(with: Data(written.utf8)) as? [String] == [text])
    }

    @Test(arguments: [
        (Int64(0), "0"), (1, "0.01"), (10, "0.1"), (150, "1.5"), (500, "5"), (1999, "19.99"), (-205, "-2.05"),
        (100_000_000_000_000, "1000000000000"), (Int64.min, "-92233720368547758.08"),
    ])
    func moneyIsTheShortestExactDecimal(_ minorUnits: Int64, _ expected: String) {
        #expect(written { $0.money(Money(minorUnits: minorUnits)) } == expected)
    }

    @Test func membersAndElementsAreSeparated() throws {
        let text = written {
            $0.beginObject()
            $0.key("a")
            $0.beginArray()
            $0.int(1)
            $0.beginObject()
            $0.endObject()
            $0.int(2)
            $0.endArray()
            $0.key("b")
            $0.string("x")
            $0.endObject()
        }
        #expect(text == #"{"a":[1,{},2],"b":"x"}"#)
    }

    @Test func anOrderReadsBackExactly() throws {
        let order = Order(
            id: OrderID(), userId: UserID(),
            items: [OrderItem(productId: "p\"1", name: "Tea\n", quantity: 3, unitPrice: Money(minorUnits: 1999))],
            deliveryAddress: "1 Main St", status: .pending, currency: .usd, total: Money(minorUnits: 5997),
            createdAt: Date(millisecondsSince1970: 1_767_225_600_123),
            updatedAt: Date(millisecondsSince1970: 1_767_225_600_123))
        let text = written { OrderRepresentation(order).write(to: &$0) }
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["id"] as? String == order.id.description)
        #expect(object["total"] as? Double == 59.97)
        #expect(object["createdAt"] as? String == "2026-01-01T00:00:00.123Z")
        let items = try #require(object["items"] as? [[String: Any]])
        #expect(items.first?["productId"] as? String == "p\"1")
        #expect(items.first?["name"] as? String == "Tea\n")
        #expect(text.hasPrefix(#"{"createdAt":"#) && text.hasSuffix(#""userId":"\#(order.userId)"}"#), "keys sorted")
    }
}
