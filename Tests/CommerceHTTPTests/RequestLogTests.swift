import Hummingbird
import Testing

@testable import CommerceHTTP

/// The request log's duration: milliseconds with two decimals, rounded half up.
struct RequestLogTests {
    @Test(arguments: [
        (Duration.zero, "0.00"), (.microseconds(4), "0.00"), (.microseconds(5), "0.01"),
        (.milliseconds(1234) + .microseconds(567), "1234.57"), (.seconds(3) + .microseconds(90), "3000.09"),
    ])
    func aDurationIsWrittenInMillisecondsWithTwoDecimals(duration: Duration, written: String) {
        #expect(RequestLogMiddleware<BasicRequestContext>.milliseconds(duration) == written)
    }
}
