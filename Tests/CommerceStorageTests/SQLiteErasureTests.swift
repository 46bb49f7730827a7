import CommerceCore
import Foundation
import GRDB
import Testing

@testable import CommerceStorage

/// What a deletion removes is gone from the files — main database and WAL — once the store answers, while
/// the store is still open; and what an anonymisation keeps cannot be joined back to the person.
@Suite("SQLite erases what a deletion removes")
struct SQLiteErasureTests {
    static let epoch = Date(millisecondsSince1970: 1_767_225_600_000)
    /// Text found nowhere else, so finding its bytes in a file means it was left there.
    static let name = "Quenby Zaltwhistle"
    static let email = "quenby.zaltwhistle@example.com"
    static let phone = "+15550147733"
    static let street = "9 Zaltwhistle Mews"
    static let item = "Zaltwhistle Lantern"
    static let address = "17 Quenby Close, Zaltford"
    static let reason = "Quenby moved to Zaltford"

    /// Which of `needles` some file of the database at `path` (main, WAL) still holds.
    static func leftovers(_ needles: [String], in path: String) throws -> [String] {
        let files = [path, path + "-wal"].filter { FileManager.default.fileExists(atPath: $0) }
        let contents = try files.map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
        return needles.filter { needle in contents.contains { $0.range(of: Data(needle.utf8)) != nil } }
    }

    @Test func aDeletedUserLeavesNoByteInTheFiles() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appending(path: "users.sqlite").path
            let store = try SQLiteUserStore(path: path)
            let user = User(
                id: UserID(), username: Username(trusted: Self.name), email: EmailAddress(trusted: Self.email),
                phone: PhoneNumber(trusted: Self.phone), address: PostalAddress(street: Self.street),
                createdAt: Self.epoch, updatedAt: Self.epoch)
            try await store.insert(UserRecord(user: user, passwordHash: "$2b$04$hash"))
            let needles = [Self.name, Self.email, Self.phone, Self.street]
            #expect(try Self.leftovers(needles, in: path) == needles, "the user was written where this test looks")
            let event = try #require(try await store.delete(user.id, at: Self.epoch, requestID: nil))
            #expect(try Self.leftovers(needles, in: path).isEmpty, "after the deletion")
            try await store.markDelivered(event.id)
            #expect(try Self.leftovers([user.id.description], in: path).isEmpty, "the delivered event stayed")
        }
    }

    @Test(arguments: [DeletionPolicy.purge, .anonymise])
    func aDeletedUsersOrdersLeaveNoPersonalByteInTheFiles(_ policy: DeletionPolicy) async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appending(path: "orders.sqlite").path
            let store = try SQLiteOrderStore(path: path)
            let userId = UserID()
            let placed = Self.order(of: userId)
            _ = try await store.insert(placed, idempotency: nil, now: Self.epoch)
            let cancel = OrderHistoryEntry(status: .cancelled, at: Self.epoch, by: .customer, reason: Self.reason)
            _ = try #require(try await store.transition(placed, to: cancel))
            let needles = [Self.item, Self.address, Self.reason]
            #expect(try Self.leftovers(needles, in: path) == needles, "the order was written where this test looks")
            switch policy {
            case .purge: #expect(try await store.purge(userId, at: Self.epoch) == 1)
            case .anonymise: #expect(try await store.anonymise(userId, as: UserID(), at: Self.epoch) == 1)
            }
            #expect(try Self.leftovers(needles, in: path).isEmpty, "after the \(policy)")
        }
    }

    /// Every stored value of the rows that still name the deleted user (their tombstone, their revocation
    /// mark), column by column, against every stored value of the orders kept under the anonymous id: none
    /// in common, so no join leads from one to the other.
    @Test func anAnonymisedOrderSharesNoStoredValueWithWhatNamesItsUser() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appending(path: "orders.sqlite").path
            let store = try SQLiteOrderStore(path: path)
            let userId = UserID()
            let anonymous = UserID()
            let later = Self.epoch.addingTimeInterval(3_600)
            for _ in 0..<2 { _ = try await store.insert(Self.order(of: userId), idempotency: nil, now: Self.epoch) }
            #expect(try await store.anonymise(userId, as: anonymous, at: later) == 2)
            let (naming, kept) = try Self.values(in: path, naming: userId, keptUnder: anonymous)
            #expect(
                naming.keys.sorted() == ["tokenRevocation.userId", "tokenRevocation.voidBefore", "tombstone.userId"])
            #expect(!kept.isEmpty, "the anonymised orders were found")
            for (column, values) in naming.sorted(by: { $0.key < $1.key }) {
                #expect(values.isDisjoint(with: kept), "\(column) holds a value the anonymised orders hold too")
            }
        }
    }

    /// Reading the file as anyone with it could: each column's values in the rows that mention `userId`, and
    /// every value of the rows that mention `anonymous`.
    static func values(in path: String, naming userId: UserID, keptUnder anonymous: UserID) throws
        -> (naming: [String: Set<String>], kept: Set<String>)
    {
        var configuration = Configuration()
        configuration.readonly = true
        let file = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? file.close() }
        return try file.read { db in
            var naming: [String: Set<String>] = [:]
            var kept: Set<String> = []
            for table in try String.fetchAll(db, sql: "SELECT name FROM sqlite_schema WHERE type = 'table'") {
                for row in try Row.fetchAll(db, sql: "SELECT * FROM \(table.quotedDatabaseIdentifier)") {
                    let values = row.databaseValues.map(\.description)
                    if values.contains(where: { $0.contains(userId.description) }) {
                        for (column, value) in zip(row.columnNames, values) {
                            naming["\(table).\(column)", default: []].insert(value)
                        }
                    } else if values.contains(where: { $0.contains(anonymous.description) }) {
                        kept.formUnion(values)
                    }
                }
            }
            return (naming, kept)
        }
    }

    static func order(of userId: UserID) -> Order {
        Order(
            id: OrderID(), userId: userId,
            items: [OrderItem(productId: "lantern", name: item, quantity: 1, unitPrice: Money(minorUnits: 4_200))],
            deliveryAddress: address, status: .pending, currency: .usd, total: Money(minorUnits: 4_200),
            createdAt: epoch, updatedAt: epoch)
    }
}
