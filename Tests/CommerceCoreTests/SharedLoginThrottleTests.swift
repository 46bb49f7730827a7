import CommerceBcrypt
import CommerceCore
import CommerceStorage
import CommerceTesting
import Foundation
import Testing

/// Two User replicas on one SQLite file count failed logins together: a load balancer in front of them
/// gives an attacker no more guesses than one replica would.
@Suite("The login throttle is shared by the replicas on one SQLite file")
struct SharedLoginThrottleTests {
    @Test func fiveWrongPasswordsSpreadOverTwoReplicasThrottleBoth() async throws {
        let directory = FileManager.default.temporaryDirectory.appending(path: "throttle-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appending(path: "users.sqlite").path
        let clock = TestClock()
        let services = await CommerceServices(
            tokens: .init(secret: CommerceHarness.testSecret), hasher: try BcryptPasswordHasher(cost: 4), clock: clock)
        let assemblies = [
            services.userService(store: try SQLiteUserStore(path: path), orders: OutboxLanesTests.QuietOrders()),
            services.userService(store: try SQLiteUserStore(path: path), orders: OutboxLanesTests.QuietOrders()),
        ]
        let replicas = assemblies.map(\.users)
        let password = "correct horse battery"
        _ = try await replicas[0].register(
            RegistrationForm(username: "Ann", email: "ann@example.com", password: password))

        for attempt in 0..<5 {
            await #expect(throws: CommerceError.self) {
                _ = try await replicas[attempt % 2].login(email: "ann@example.com", password: "wrong guess \(attempt)")
            }
        }
        for replica in replicas {
            let error = await #expect(throws: CommerceError.self) {
                _ = try await replica.login(email: "ann@example.com", password: password)
            }
            #expect(error?.code == .rateLimited, "a replica that saw only some of the five failures let a guess in")
        }

        // The window slides for both: five minutes on, the sweeper deletes the failures and the owner signs
        // in again.
        clock.advance(by: .seconds(301))
        #expect(try await assemblies[0].sweeper.sweep() == 5, "the failures no window counts were not swept")
        _ = try await replicas[1].login(email: "ann@example.com", password: password)

        // A success through one replica clears the count the other sees: 4 failures, a success, 4 more, and
        // the owner still gets in (8 would be over the limit).
        func fail(_ count: Int, through replica: UserService) async {
            for attempt in 0..<count {
                await #expect(throws: CommerceError.self) {
                    _ = try await replica.login(email: "ann@example.com", password: "wrong again \(attempt)")
                }
            }
        }
        await fail(4, through: replicas[0])
        _ = try await replicas[1].login(email: "ann@example.com", password: password)
        await fail(4, through: replicas[0])
        _ = try await replicas[0].login(email: "ann@example.com", password: password)
    }
}
