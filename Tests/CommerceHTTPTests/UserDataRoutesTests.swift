import CommerceCore
import CommerceHTTP
import CommerceTestSupport
import CommerceTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// What happens to a user's data: kept for the books without the person (`DELETION_POLICY=anonymise`),
/// and handed to the user whole (`GET /api/user/{id}/export`).
@Suite("A user's data")
struct UserDataRoutesTests {
    static let order =
        #"{"items":[{"productId":"tea","name":"Tea for Ann","quantity":2,"price":2.5}],"deliveryAddress":"Ann, 1 Private Lane"}"#

    @Test func anonymisingKeepsTheOrdersForStaffWithNothingThatPointsToThePerson() async throws {
        let system = try await TestSystem(deletionPolicy: .anonymise)
        let (ann, token) = try await system.harness.registerAndLogIn()
        let (_, staff) = try await system.harness.registerAndLogInStaff()
        try await system.userApp().test(.router) { users in
            try await system.orderApp().test(.router) { orders in
                for _ in 0..<2 {
                    try await orders.execute(
                        uri: "/api/order", method: .post, headers: bearer(token), body: json(Self.order)
                    ) { #expect($0.status == .created) }
                }
                let deletion = try await users.execute(
                    uri: "/api/user/\(ann.id)", method: .delete, headers: bearer(token)
                ) { try object($0) }
                #expect(deletion["orders"] as? String == "purged")
                let kept = try await orders.execute(uri: "/api/orders", method: .get, headers: bearer(staff)) {
                    try array($0)
                }
                #expect(kept.count == 2)
                for order in kept {
                    #expect(order["userId"] as? String != ann.id.description)
                    #expect(order["deliveryAddress"] as? String == Order.redacted)
                    #expect(!"\(order)".contains("Ann"), "something of the person survived")
                    #expect(order["total"] as? Double == 5, "the books keep the amounts")
                }
                try await orders.execute(uri: "/api/order/\(ann.id)", method: .get, headers: bearer(token)) {
                    #expect($0.status == .unauthorized, "the owner's old token is refused")
                }
                try await orders.execute(
                    uri: "/api/order", method: .post, headers: bearer(token), body: json(Self.order)
                ) {
                    #expect($0.status == .unauthorized, "the tombstone still refuses new orders")
                }
                // The internal call is idempotent, and says what it did.
                let again = try await orders.execute(
                    uri: "/api/order/\(ann.id)", method: .delete,
                    headers: [.apiKey: String(decoding: TestSystem.apiKey.bytes, as: UTF8.self)]
                ) { try object($0) }
                #expect(again["deleted"] as? Int == 0 && again["anonymised"] as? Int == 0)
            }
        }
    }

    @Test func anExportHoldsExactlyTheUsersDataAcrossEveryPage() async throws {
        let system = try await TestSystem()
        let (ann, token) = try await system.harness.registerAndLogIn()
        let (bob, bobs) = try await system.harness.registerAndLogIn()
        let form = OrderForm(
            items: [OrderItemForm(productId: "tea", name: "Tea", quantity: 1, price: 2.5)],
            deliveryAddress: "1 Main St")
        for _ in 0..<150 { _ = try await system.harness.orders.place(form, as: .user(ann.id)) }
        _ = try await system.harness.orders.place(form, as: .user(bob.id))
        try await system.userApp().test(.router) { users in
            try await users.execute(uri: "/api/user/\(ann.id)/export", method: .get, headers: bearer(token)) {
                response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentDisposition] == #"attachment; filename="user-\#(ann.id).json""#)
                let export = try object(response)
                let user = export["user"] as? [String: Any]
                #expect(user?["id"] as? String == ann.id.description && user?["email"] as? String == ann.email.value)
                #expect(!String(buffer: response.body).contains("$2b$"), "a password hash in an export")
                let orders = export["orders"] as? [[String: Any]] ?? []
                #expect(orders.count == 150, "every page")
                #expect(orders.allSatisfy { $0["userId"] as? String == ann.id.description }, "another user's order")
                #expect(Set(orders.compactMap { $0["id"] as? String }).count == 150, "an order twice")
            }
            try await users.execute(uri: "/api/user/\(ann.id)/export", method: .get, headers: bearer(bobs)) {
                #expect($0.status == .forbidden)
            }
        }
    }

    @Test func anExportWhileTheOrderServiceIsDownIs503NeverAPart() async throws {
        let system = try await TestSystem()
        let (ann, token) = try await system.harness.registerAndLogIn()
        await system.orderPeer.plan.goDown()
        try await system.userApp().test(.router) { users in
            try await users.execute(uri: "/api/user/\(ann.id)/export", method: .get, headers: bearer(token)) {
                #expect($0.status == .serviceUnavailable)
                #expect($0.headers[.retryAfter] != nil)
                #expect(!String(buffer: $0.body).contains("orders\":["), "a partial export")
            }
        }
    }
}
