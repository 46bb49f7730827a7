import CommerceCore
import Foundation
import Testing

@Suite("Validation in the value types")
struct ValidationTests {
    private func violations(_ body: () throws -> Void) -> [String] {
        do {
            try body()
            return []
        } catch let error as CommerceError {
            return error.fields.map(\.field)
        } catch {
            return ["unexpected \(error)"]
        }
    }

    @Test func registrationReportsEveryBadFieldAtOnce() {
        let form = RegistrationForm(
            username: "  ", email: "no-at-sign", password: "short", phone: "12ab",
            address: AddressForm(street: String(repeating: "x", count: 201), city: "ok"))
        #expect(
            violations { _ = try Registration(form) } == ["username", "email", "password", "phone", "address.street"])
    }

    @Test func missingFieldsAreReportedAsRequired() throws {
        let error = #expect(throws: CommerceError.self) { try Registration(RegistrationForm()) }
        #expect(error?.code == .validation)
        #expect(error?.fields.map(\.field) == ["username", "email", "password"])
        #expect(error?.fields.allSatisfy { $0.message == "is required" } == true)
    }

    @Test func registrationNormalises() throws {
        let registration = try Registration(
            RegistrationForm(
                username: "  Ann  ", email: " Ann.Example@Example.COM ", password: "  spaced password  ",
                phone: "+49 151-1234 5678", address: AddressForm(street: " 1 Main St ", city: "")))
        #expect(registration.username.value == "Ann")
        #expect(registration.email.value == "ann.example@example.com")
        #expect(registration.password.clearText == "  spaced password  ", "passwords are never trimmed")
        #expect(registration.phone?.value == "+4915112345678")
        #expect(registration.address == PostalAddress(street: "1 Main St"))
    }

    /// `josé@…` typed on one keyboard and `jose\u{301}@…` on another are one address, to the byte: a store
    /// compares emails as bytes (SQL's `=` and unique indexes), where Swift's `==` would hide the difference.
    @Test func anEmailIsOneAddressInEitherUnicodeForm() throws {
        let composed = try EmailAddress("jos\u{E9}@example.com")
        let decomposed = try EmailAddress("Jose\u{301}@Example.com")
        #expect(Array(decomposed.value.utf8) == Array(composed.value.utf8), "both stored as NFC")
        #expect(Array(composed.value.utf8) == Array("jos\u{E9}@example.com".utf8))
    }

    @Test(arguments: [
        ("a@b.co", true), ("first.last+tag@sub.example.org", true), ("a@b", false), ("a@@b.co", false),
        ("a@b@c.co", false), ("@b.co", false), ("a@.co", false), ("a@b.", false), ("a b@c.co", false),
        ("a@b..co", false), (String(repeating: "x", count: 65) + "@b.co", false),
        (String(repeating: "x", count: 64) + "@b.co", true),
        ("x@" + String(repeating: "d", count: 250) + ".co", false), ("a\u{7}@b.co", false),
    ])
    func emailRules(_ raw: String, _ valid: Bool) {
        #expect(((try? EmailAddress(raw)) != nil) == valid, "\(raw)")
    }

    @Test func usernameRules() {
        #expect((try? Username(String(repeating: "é", count: 64))) != nil)
        #expect((try? Username(String(repeating: "a", count: 65))) == nil)
        #expect((try? Username("tab\there")) == nil)
        #expect((try? Username("")) == nil)
    }

    /// The rules are the OpenAPI documents' JSON Schema rules, so a client's validator agrees with us.
    @Test func textRulesAreTheSchemaRules() {
        let combining = "e\u{301}"  // one Character, two code points
        #expect((try? Username(String(repeating: combining, count: 32))) != nil)
        #expect((try? Username(String(repeating: combining, count: 33))) == nil, "lengths count code points")
        #expect((try? Username(" " + String(repeating: "a", count: 64))) == nil, "and the text as sent")
        #expect((try? Username("\tAnn")) == nil, "control characters are refused even where trimming would drop them")
        #expect((try? Username("\u{3000}\u{A0} ")) == nil, "a required text must hold more than spaces")
        #expect((try? Username("\u{2028} Ann\u{3000}"))?.value == "Ann")
        #expect((try? EmailAddress("\u{A0}Ann@Example.com\u{2029}"))?.value == "ann@example.com")
        #expect((try? EmailAddress(" " + String(repeating: "a", count: 248) + "@b.co")) == nil)
        #expect((try? Password(String(repeating: combining, count: 4))) != nil)
        #expect((try? CurrencyCode("ÉUR")) == nil)
    }

    @Test func aBlankPhoneIsNoPhoneButOtherWhiteSpaceIsAnError() throws {
        let form = RegistrationForm(username: "Ann", email: "ann@example.com", password: "long enough")
        for blank in ["", "   "] {
            var registration = form
            registration.phone = blank
            #expect(try Registration(registration).phone == nil)
        }
        var tabbed = form
        tabbed.phone = "\t"
        #expect(violations { _ = try Registration(tabbed) } == ["phone"])
    }

    @Test func passwordLengthIsCountedInCharacters() {
        #expect((try? Password(String(repeating: "a", count: 7))) == nil)
        #expect((try? Password(String(repeating: "a", count: 8))) != nil)
        #expect((try? Password(String(repeating: "ü", count: 128))) != nil)
        #expect((try? Password(String(repeating: "a", count: 129))) == nil)
        #expect("\(try! Password("secret-password"))".contains("secret") == false, "a password never prints")
    }

    @Test(arguments: [
        ("1234567", true), ("+123456789012345", true), ("+1 555-123-4567", true), ("123456", false),
        ("1234567890123456", false), ("++1234567", false), ("12a4567", false), ("1234567+", false),
        ("- +49 151-1234", true), ("１２３４５６７", false),
    ])
    func phoneRules(_ raw: String, _ valid: Bool) {
        #expect(((try? PhoneNumber(raw)) != nil) == valid, "\(raw)")
    }

    @Test func orderDraftComputesTheTotalExactly() throws {
        let draft = try OrderDraft(
            OrderForm(
                items: [
                    OrderItemForm(productId: "p1", name: "A", quantity: 3, price: Decimal(string: "0.1")),
                    OrderItemForm(productId: "p2", name: "B", quantity: 1, price: Decimal(string: "0.2")),
                ], deliveryAddress: "Somewhere 1"))
        #expect(draft.total == Money(minorUnits: 50))
        #expect(draft.currency == .usd)
    }

    @Test func orderDraftReportsEveryBadField() {
        let form = OrderForm(
            items: [
                OrderItemForm(productId: "", name: String(repeating: "n", count: 201), quantity: 0, price: -1),
                OrderItemForm(productId: "ok", name: "ok", quantity: 10_001, price: Decimal(string: "1.001")),
                OrderItemForm(productId: String(repeating: "p", count: 65), name: "ok", quantity: 1, price: 1_000_001),
                OrderItemForm(),
            ],
            deliveryAddress: "", currency: "usd")
        #expect(
            violations { _ = try OrderDraft(form) } == [
                "items[0].productId", "items[0].name", "items[0].quantity", "items[0].price",
                "items[1].quantity", "items[1].price",
                "items[2].productId", "items[2].price",
                "items[3].productId", "items[3].name", "items[3].quantity", "items[3].price",
                "deliveryAddress", "currency",
            ])
    }

    @Test func orderItemCountIsBounded() {
        let item = OrderItemForm(productId: "p", name: "n", quantity: 1, price: 1)
        #expect(violations { _ = try OrderDraft(OrderForm(items: [], deliveryAddress: "a")) } == ["items"])
        #expect(
            violations {
                _ = try OrderDraft(OrderForm(items: Array(repeating: item, count: 101), deliveryAddress: "a"))
            } == ["items"])
        #expect(
            violations {
                _ = try OrderDraft(OrderForm(items: Array(repeating: item, count: 100), deliveryAddress: "a"))
            } == [])
        #expect(violations { _ = try OrderDraft(OrderForm(deliveryAddress: "a")) } == ["items"])
    }

    @Test func priceBoundsAreInclusive() throws {
        for price in ["0", "1000000", "1000000.00", "0.01"] {
            let form = OrderForm(
                items: [OrderItemForm(productId: "p", name: "n", quantity: 1, price: Decimal(string: price))],
                deliveryAddress: "a")
            #expect(throws: Never.self, "\(price)") { try OrderDraft(form) }
        }
    }

    @Test func fingerprintDependsOnContentOnly() throws {
        let form = OrderForm(
            items: [OrderItemForm(productId: "p", name: "n", quantity: 2, price: 3)], deliveryAddress: "a")
        var other = form
        other.items![0].quantity = 3
        #expect(try OrderDraft(form).fingerprint == OrderDraft(form).fingerprint)
        #expect(try OrderDraft(form).fingerprint != OrderDraft(other).fingerprint)
    }

    /// A fingerprint is stored with its idempotency record, so a replay after an upgrade must hash the text a
    /// version before hashed: these are the digests of the texts in the comments.
    @Test func fingerprintsHashTheTextTheyAlwaysHave() throws {
        let tea = OrderItemForm(productId: "tea-1", name: "Green tea", quantity: 2, price: Decimal(string: "4.99"))
        let form = OrderForm(items: [tea], deliveryAddress: "1 Main St")
        // v1|USD|9:1 Main St|5:tea-1|9:Green tea|2|499
        #expect(
            try OrderDraft(form).fingerprint == "8fc6f8765fde46b6c12301cf81c9a3aa73aac18f6391f5a109ab315cb1d91124")
        // v2-catalog|-|9:1 Main St|5:tea-1|2|499
        #expect(
            try OrderDraft(form, pricing: .catalog).fingerprint
                == "b07265f3299c89460815cb9e8f4ae5dc71edf651f2e218bb7bf1e9ed63fc3334")
        let mixed = OrderForm(
            items: [
                OrderItemForm(productId: "tea-1", quantity: 2), OrderItemForm(productId: "mug", quantity: 1, price: 12),
            ],
            deliveryAddress: "Straße 1 é", currency: "EUR")
        // v2-catalog|EUR|10:Straße 1 é|5:tea-1|2|-|3:mug|1|1200
        #expect(
            try OrderDraft(mixed, pricing: .catalog).fingerprint
                == "7511dd1b6ade45df8d7eae411195fc7a63d27f24166a944be0c969df3fe1436a")
    }

    @Test func idempotencyKeysAreVisibleASCII() {
        #expect((try? IdempotencyKey("abc-123_XYZ")) != nil)
        #expect((try? IdempotencyKey("")) == nil)
        #expect((try? IdempotencyKey("has space")) == nil)
        #expect((try? IdempotencyKey(String(repeating: "k", count: 256))) == nil)
    }
}

@Suite("Order cursors")
struct OrderCursorTests {
    @Test func theTextFormRoundTripsAndNothingElseParses() {
        let cursor = OrderCursor(createdAt: Date(millisecondsSince1970: 1_764_000_000_123), id: OrderID())
        #expect(OrderCursor(cursor.description) == cursor)
        let id = OrderID().description
        for text in ["+5_\(id)", "-5_\(id)", "_\(id)", "1234567890123456_\(id)", "5_", "5_\(id)x", "5"] {
            #expect(OrderCursor(text) == nil, "\(text)")
        }
    }
}

@Suite("Identifiers' text form")
struct IdentifierTextTests {
    @Test func idsReadAndWriteTheTextFoundationDoes() {
        for _ in 0..<1000 {
            let uuid = UUID()
            let id = UserID(uuid: uuid)
            #expect(id.description == uuid.uuidString.lowercased())
            #expect(UserID(uuid.uuidString) == id, "upper case parses")
            #expect(UserID(id.description) == id, "lower case parses")
        }
    }

    @Test func anythingButAUUIDIsRefused() {
        let id = UserID().description
        for text in [
            "", String(id.dropLast()), id + "0", "{\(id.dropFirst(2))}", String(id.dropLast()) + "g",
            id.replacingOccurrences(of: "-", with: "0"), String(id.prefix(8)) + "0" + String(id.dropFirst(9)),
            String(repeating: "é", count: 18),
        ] {
            #expect(UserID(text) == nil, "\(text)")
        }
    }
}
