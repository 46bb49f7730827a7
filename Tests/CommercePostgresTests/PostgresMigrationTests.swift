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
        for try await version in try await client.query("SELECT version FROM schema_migrations ORDER BY version")
            .decode(String.self)
        {
            versions.append(version)
        }
        return versions
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
                    "v1-orders", "v1-users", "v2-deletion-outbox", "v2-idempotency-expiry", "v3-order-lifecycle",
                    "v3-user-role", "v4-sessions", "v4-token-revocation", "v5-catalog",
                    "v5-outbox-kinds", "v6-password-resets", "v6-place-order", "v7-outbox-lanes",
                    "v7-tombstones-without-time", "v8-login-failures", "v8-stock", "v9-webhooks",
                ])
            // And the schema works: a user goes in and comes back.
            let users = PostgresUserStore(client: client)
            let now = Date(millisecondsSince1970: 1_767_225_600_000)
            let user = User(
                id: UserID(), username: Username(trusted: "Ann"), email: EmailAddress(trusted: "ann@example.com"),
                createdAt: now, updatedAt: now)
            try await users.insert(UserRecord(user: user, passwordHash: "$2b$04$hash"))
            #expect(try await users.user(id: user.id)?.user == user)
        }
    }
}
