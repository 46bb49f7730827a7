import CommerceCore
import CommerceStorage
import CommerceTesting
import Foundation
import Testing

@Suite("SQLite stores pass the conformance suite, in memory and on file")
struct SQLiteStoreConformanceTests {
    @Test(arguments: UserStoreConformance.checks)
    func userStoreInMemory(_ check: ConformanceCheck<any UserStore>) async throws {
        try await check.run(against: SQLiteUserStore.inMemory())
    }

    @Test(arguments: OrderStoreConformance.checks)
    func orderStoreInMemory(_ check: ConformanceCheck<any OrderStore>) async throws {
        try await check.run(against: SQLiteOrderStore.inMemory())
    }

    @Test(arguments: WebhookConformance.checks)
    func webhooksOnFile(_ check: ConformanceCheck<WebhookConformance.Store>) async throws {
        try await withTemporaryDirectory { directory in
            try await check.run(against: SQLiteOrderStore(path: directory.appending(path: "orders.sqlite").path))
        }
    }

    @Test(arguments: LoginFailureConformance.checks)
    func loginFailuresOnFile(_ check: ConformanceCheck<any LoginFailureStore>) async throws {
        try await withTemporaryDirectory { directory in
            try await check.run(against: SQLiteUserStore(path: directory.appending(path: "users.sqlite").path))
        }
    }

    @Test(arguments: UserStoreConformance.checks)
    func userStoreOnFile(_ check: ConformanceCheck<any UserStore>) async throws {
        try await withTemporaryDirectory { directory in
            try await check.run(against: SQLiteUserStore(path: directory.appending(path: "users.sqlite").path))
        }
    }

    @Test(arguments: OrderStoreConformance.checks)
    func orderStoreOnFile(_ check: ConformanceCheck<any OrderStore>) async throws {
        try await withTemporaryDirectory { directory in
            try await check.run(against: SQLiteOrderStore(path: directory.appending(path: "orders.sqlite").path))
        }
    }
}

/// Runs `body` with a fresh directory that is removed afterwards.
func withTemporaryDirectory<Result>(_ body: (URL) async throws -> Result) async throws -> Result {
    let directory = FileManager.default.temporaryDirectory.appending(path: "commerce-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try await body(directory)
}
