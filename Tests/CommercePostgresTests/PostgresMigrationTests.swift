import CommerceCore
import CommercePostgres
import CommerceTesting
import Foundation
import PostgresNIO
import Testing

@Suite(
    "PostgreSQL migrations when replicas start together",
    .enabled(if: PostgresTestDatabase.url != nil, PostgresTestDatabase.skipReason))
struct PostgresMigrationTests {
    static func versions(_ client: PostgresClient) async throws -> [String] {
        var versions: [String] = []
        for try await version in try await client.query("SELECT version FROM schema_migrations").decode(String.self) {
            versions.append(version)
        }
        return versions.sorted()
    }

    @Test func manyReplicasMigratingAtOnceApplyEachMigrationOnce() async throws {
        try await PostgresTestDatabase.withIsolatedClient { client in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<6 {
                    group.addTask { try await PostgresUserStore(client: client).migrate() }
                    group.addTask { try await PostgresOrderStore(client: client).migrate() }
                }
                try await group.waitForAll()
            }
            #expect(
                try await Self.versions(client) == [
                    "v1-orders", "v1-users", "v10-time-ordered-event-ids", "v2-deletion-outbox",
                    "v2-idempotency-expiry", "v3-order-lifecycle",
                    "v3-user-role", "v4-sessions", "v4-token-revocation", "v5-catalog",
                    "v5-outbox-kinds", "v6-password-resets", "v6-place-order", "v7-outbox-lanes",
                    "v7-tombstones-without-time", "v8-login-failures", "v8-stock", "v9-outbox-trace-context",
                    "v9-webhooks",
                ])
            // And the schema works: a user goes in and comes back.
            let users = PostgresUserStore(client: client)
            let now = Date(millisecondsSince1970: 1_767_225_600_000)
            let user = User(
                id: UserID(), username: Username(trusted: "Ann"), email: EmailAddress(trusted: "ann@example.com"),
                createdAt: now, updatedAt: now)
            try await users.insert(UserRecord(user: user, passwordHash: "$2b$04$hash"))
            #expect(try await users.user(id: user.id)?.user == user)
            // Event ids begin with their time, as Swift's EventID(timeOrderedAt:) makes them.
            var made: [UUID] = []
            for try await id in try await client.query("SELECT commerce_uuid_v7(\(Int64(1_767_225_600_000)))")
                .decode(UUID.self)
            {
                made.append(id)
            }
            let swift = EventID(timeOrderedAt: now).description
            let text = try #require(made.first).uuidString.lowercased()
            #expect(text.prefix(15) == swift.prefix(15), "the time and the version: \(text) against \(swift)")
            #expect(["8", "9", "a", "b"].contains(text.dropFirst(19).prefix(1)), "the variant")
        }
    }
}
