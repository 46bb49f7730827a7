import HTTPTypes
import Testing

@testable import CommerceHTTP

/// Reading a header's value without the copy HTTPTypes' subscript makes.
@Suite("A header's value")
struct HTTPFieldValueTests {
    @Test func oneFieldIsItsValueAndNoFieldIsNil() {
        let headers: HTTPFields = [.authorization: "Bearer abc", .contentType: "application/json"]
        #expect(headers.value(of: .authorization) == "Bearer abc")
        #expect(headers.value(of: .contentType) == "application/json")
        #expect(headers.value(of: .idempotencyKey) == nil)
    }

    @Test func severalFieldsAreJoinedAsTheSubscriptJoinsThem() {
        var headers = HTTPFields()
        headers.append(HTTPField(name: .authorization, value: "Bearer abc"))
        headers.append(HTTPField(name: .accept, value: "*/*"))
        headers.append(HTTPField(name: .authorization, value: "Bearer def"))
        #expect(headers.value(of: .authorization) == "Bearer abc, Bearer def")
        #expect(headers.value(of: .authorization) == headers[.authorization])
    }
}
