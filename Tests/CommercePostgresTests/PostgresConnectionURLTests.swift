import CommerceCore
import CommercePostgres
import PostgresNIO
import Testing

@Suite("DATABASE_URL for PostgreSQL, as libpq reads it")
struct PostgresConnectionURLTests {
    @Test func userPasswordHostPortAndDatabaseAreRead() throws {
        let url = try PostgresConnectionURL("postgresql://app%40corp:p%2Fss@db.internal:6543/orders?sslmode=disable")
        #expect(url.configuration.username == "app@corp")
        #expect(url.configuration.password == "p/ss")
        #expect(url.configuration.host == "db.internal" && url.configuration.port == 6543)
        #expect(url.configuration.database == "orders")
        #expect(url.description == "postgres://app@corp@db.internal:6543/orders?sslmode=disable")
        #expect(!url.description.contains("p/ss"), "never the password")
    }

    @Test func theDefaultsAreLibpqs() throws {
        let url = try PostgresConnectionURL("postgres://app@db")
        #expect(url.configuration.port == 5432)
        #expect(url.configuration.database == nil, "the user's own database, as libpq does")
        #expect(url.description.hasSuffix("?sslmode=prefer"))
    }

    @Test(arguments: ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"])
    func everySslmodeIsAccepted(_ mode: String) throws {
        #expect(try PostgresConnectionURL("postgres://app@db/x?sslmode=\(mode)").description.hasSuffix(mode))
    }

    @Test(arguments: [
        "mysql://app@db/x", "postgres://db/x", "postgres://app@/x", "postgres://app@db/x?sslmode=sometimes",
        "postgres://app:hunter2@db:99999/x",
    ])
    func badURLsAreRefusedWithoutRepeatingThePassword(_ text: String) {
        let error = #expect(throws: CommerceError.self) { try PostgresConnectionURL(text) }
        #expect(error?.code == .validation)
        #expect(error?.fields.first?.field == "DATABASE_URL")
        #expect(!"\(String(describing: error))".contains("hunter2"))
    }
}
