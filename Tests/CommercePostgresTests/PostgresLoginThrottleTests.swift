import CommerceCore
import CommercePostgres
import CommerceTesting
import Foundation
import PostgresNIO
import Testing

/// Replicas on one PostgreSQL database count failed logins together.
@Suite(
    "PostgreSQL shares the login throttle between replicas",
    .enabled(if: PostgresTestDatabase.url != nil, PostgresTestDatabase.skipReason))
struct PostgresLoginThrottleTests {
    @Test func failuresCountedThroughOneReplicaThrottleTheOther() async throws {
        try await PostgresTestDatabase.withIsolatedClient { client in
            let clock = TestClock()
            let stores = [PostgresUserStore(client: client), PostgresUserStore(client: client)]
            try await stores[0].migrate()
            let throttles = stores.map { StoredLoginThrottle(store: $0, clock: clock) }
            for attempt in 0..<5 {
                let throttle = throttles[attempt % 2]
                try await throttle.check(email: "Ann@example.com", address: "192.0.2.7")
                await throttle.recordFailure(email: "ann@example.com", address: "192.0.2.7")
            }
            for throttle in throttles {
                let error = await #expect(throws: CommerceError.self) {
                    try await throttle.check(email: "ann@example.com", address: "198.51.100.1")
                }
                #expect(error?.code == .rateLimited, "a replica let a sixth guess at one email in")
            }
            // What the throttle stores names nobody: its keys are digests.
            let keys = try await client.query("SELECT key FROM login_failures").collect()
            #expect(keys.count == 10)
            for row in keys {
                let key = try row.decode(String.self)
                #expect(
                    !key.contains("ann") && !key.contains("192.0.2.7"), "a failure's key names its email or address")
            }
        }
    }
}
