import CommerceCore
import Foundation

/// The ``UserRecordStore`` contract as runnable checks. A deletion records its event in the store's
/// outbox, so the store under test is an ``OutboxStore`` too.
public enum UserRecordConformance {
    /// Runs every check, each on a fresh store from `makeStore`.
    public static func run(makeStore: () async throws -> any OutboxStore & UserRecordStore) async throws {
        try await runAll(checks, makeStore: makeStore)
    }

    /// Each check on its own, for one test case per check.
    public static let checks: [ConformanceCheck<any OutboxStore & UserRecordStore>] = [
        ConformanceCheck("a stored user reads back unchanged by id and by email") { store in
            let record = Fixtures.record()
            try await store.insert(record)
            try require(try await store.user(id: record.user.id) == record, "by id: not the stored record")
            try require(try await store.user(email: record.user.email) == record, "by email: not the stored record")
            try require(try await store.user(id: UserID()) == nil, "an unknown id found a user")
            let unknown = EmailAddress(trusted: "nobody@example.com")
            try require(try await store.user(email: unknown) == nil, "an unknown email found a user")
        },
        ConformanceCheck("a role reads back; setting it changes only the role and updatedAt") { store in
            let customer = Fixtures.record()
            var staff = Fixtures.record()
            staff.user.role = .staff
            try await store.insert(customer)
            try await store.insert(staff)
            try require(try await store.user(id: customer.user.id)?.user.role == .customer, "a new user is a customer")
            try require(try await store.user(id: staff.user.id) == staff, "a staff user did not read back")
            let later = Fixtures.epoch.addingTimeInterval(60)
            let promoted = try await store.setRole(customer.user.id, to: .staff, at: later)
            var expected = customer
            expected.user.role = .staff
            expected.user.updatedAt = later
            try require(
                promoted == expected, "setRole did not answer the promoted user with only role and updatedAt changed")
            try require(try await store.user(email: customer.user.email) == expected, "the new role did not read back")
            _ = try await store.setRole(customer.user.id, to: .customer, at: later)
            try require(try await store.user(id: customer.user.id)?.user.role == .customer, "demotion did not stick")
            try require(try await store.setRole(UserID(), to: .staff, at: later) == nil, "an unknown id got a role")
        },
        ConformanceCheck("a profile update is a compare-and-set that changes only the profile") { store in
            let record = Fixtures.record()
            let other = Fixtures.record()
            try await store.insert(record)
            try await store.insert(other)
            let later = Fixtures.epoch.addingTimeInterval(60)
            var changed = record.user
            changed.username = Username(trusted: "Ann Changed")
            changed.email = EmailAddress(trusted: "changed-\(record.user.id.description.prefix(8))@example.com")
            changed.phone = nil
            changed.address = PostalAddress(street: nil, city: "Shelbyville", state: nil, postalCode: nil)
            changed.updatedAt = later
            var sneaky = changed
            sneaky.role = .staff  // a profile update never changes the role
            try require(
                try await store.updateProfile(sneaky, ifUpdatedAt: record.user.updatedAt),
                "a current update was refused")
            let stored = try await store.user(id: record.user.id)
            try require(
                stored == UserRecord(user: changed, passwordHash: record.passwordHash), "not the profile stored")
            try require(try await store.user(email: changed.email) == stored, "not found by the new email")
            try require(try await store.user(email: record.user.email) == nil, "still found by the old email")
            var stale = changed
            stale.username = Username(trusted: "Too Late")
            stale.updatedAt = later.addingTimeInterval(1)
            try require(
                try await store.updateProfile(stale, ifUpdatedAt: record.user.updatedAt) == false,
                "an update from a stale updatedAt succeeded")
            try require(try await store.user(id: record.user.id) == stored, "a refused update changed the user")
            var taking = changed
            taking.email = other.user.email
            taking.updatedAt = later.addingTimeInterval(2)
            try await requireError(.conflict, "taking another user's email") {
                try await store.updateProfile(taking, ifUpdatedAt: later)
            }
            try require(try await store.user(id: record.user.id) == stored, "a refused email change changed the user")
        },
        ConformanceCheck("optional fields read back as nil") { store in
            var record = Fixtures.record()
            record.user.phone = nil
            record.user.address = nil
            try await store.insert(record)
            try require(try await store.user(id: record.user.id) == record, "nil phone or address came back changed")
        },
        ConformanceCheck("a taken email is a conflict and stores nothing") { store in
            let first = Fixtures.record(email: "taken@example.com")
            let second = Fixtures.record(email: "taken@example.com")
            try await store.insert(first)
            try await requireError(.conflict, "second insert") { try await store.insert(second) }
            try require(try await store.user(id: second.user.id) == nil, "the refused user was stored")
            try require(try await store.user(email: first.user.email) == first, "the first user changed")
        },
        ConformanceCheck("a taken id is a conflict") { store in
            let first = Fixtures.record()
            var second = Fixtures.record()
            second.user = User(
                id: first.user.id, username: second.user.username, email: second.user.email,
                createdAt: second.user.createdAt, updatedAt: second.user.updatedAt)
            try await store.insert(first)
            try await requireError(.conflict, "insert with a taken id") { try await store.insert(second) }
            try require(try await store.user(email: second.user.email) == nil, "the refused user was stored")
        },
        ConformanceCheck("concurrent inserts of one email: exactly one wins") { store in
            let records = (0..<20).map { _ in Fixtures.record(email: "race@example.com") }
            let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
                for record in records {
                    group.addTask {
                        do {
                            try await store.insert(record)
                            return true
                        } catch let error as CommerceError where error.code == .conflict {
                            return false
                        }
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            try require(wins == 1, "\(wins) inserts of one email succeeded")
        },
        ConformanceCheck("delete removes the user and records one pending event") { store in
            let record = Fixtures.record()
            try await store.insert(record)
            let at = Fixtures.epoch.addingTimeInterval(60)
            let requestID = RequestID("conformance-delete-1")
            let event = try await store.delete(record.user.id, at: at, requestID: requestID)
            try require(event?.userId == record.user.id, "no event for the deleted user")
            try require(event?.occurredAt == at, "the event's time is not the deletion time")
            try require(event?.requestID == requestID, "the event lost the request id")
            try require(try await store.user(id: record.user.id) == nil, "the user is still there by id")
            try require(try await store.user(email: record.user.email) == nil, "the user is still there by email")
            try require(try await store.pendingEvents(limit: 10) == [event!], "the event is not pending")
            try await store.insert(Fixtures.record(email: record.user.email.value))
        },
        ConformanceCheck("deleting an unknown or deleted user does nothing") { store in
            let record = Fixtures.record()
            try await store.insert(record)
            _ = try await store.delete(record.user.id, at: Fixtures.epoch)
            try require(try await store.delete(record.user.id, at: Fixtures.epoch) == nil, "deleted twice")
            try require(try await store.delete(UserID(), at: Fixtures.epoch) == nil, "deleted an unknown id")
            try require(try await store.pendingEvents(limit: 10).count == 1, "extra events were recorded")
        },
    ]
}
