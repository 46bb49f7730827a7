import CommerceCore

/// One named check of a store contract. Run each against a fresh, empty store.
///
/// With Swift Testing, one test case per check:
/// ```swift
/// @Test(arguments: OrderStoreConformance.checks)
/// func conforms(_ check: ConformanceCheck<any OrderStore>) async throws {
///     try await check.run(against: MyOrderStore())
/// }
/// ```
public struct ConformanceCheck<Store: Sendable>: Sendable, CustomStringConvertible {
    /// What the check proves, in a few words.
    public let name: String
    private let body: @Sendable (Store) async throws -> Void

    /// A check called `name` that runs `body` against a fresh store.
    public init(_ name: String, _ body: @escaping @Sendable (Store) async throws -> Void) {
        self.name = name
        self.body = body
    }

    /// Runs the check; throws ``ConformanceFailure`` when the store breaks the contract.
    public func run(against store: Store) async throws {
        do {
            try await body(store)
        } catch let failure as ConformanceFailure {
            throw ConformanceFailure(check: name, failure.message)
        }
    }

    /// The check's name.
    public var description: String { name }

    /// This check run against the part of a wider store it judges: `narrow` answers that part (an upcast,
    /// `{ $0 }`), so a concern's checks join the suite of every store that has the concern.
    public func widened<Wider: Sendable>(_ narrow: @escaping @Sendable (Wider) -> Store) -> ConformanceCheck<Wider> {
        let body = body
        return ConformanceCheck<Wider>(name) { try await body(narrow($0)) }
    }
}

/// A store broke its contract.
public struct ConformanceFailure: Error, Sendable, CustomStringConvertible {
    /// The name of the check that failed.
    public let check: String
    /// What the store did wrong.
    public let message: String

    init(check: String = "", _ message: String) {
        self.check = check
        self.message = message
    }

    /// `check: message`.
    public var description: String { check.isEmpty ? message : "\(check): \(message)" }
}

/// Runs every check, each on a store from `makeStore`; throws one failure naming every check that failed.
func runAll<Store: Sendable>(
    _ checks: [ConformanceCheck<Store>], makeStore: () async throws -> Store
) async throws {
    var failures: [String] = []
    for check in checks {
        do {
            try await check.run(against: makeStore())
        } catch let failure as ConformanceFailure {
            failures.append(failure.description)  // already names its check
        } catch {
            failures.append("\(check.name): \(error)")
        }
    }
    if !failures.isEmpty { throw ConformanceFailure(failures.joined(separator: "\n")) }
}

/// Fails the check with `message` unless `condition` holds.
func require(_ condition: Bool, _ message: @autoclosure () -> String) throws {
    if !condition { throw ConformanceFailure(message()) }
}

/// `value`, or a failure of the check with `message` when it is `nil` (never a crash: a broken store must
/// fail its checks, not stop the test run).
func required<Value>(_ value: Value?, _ message: @autoclosure () -> String) throws -> Value {
    guard let value else { throw ConformanceFailure(message()) }
    return value
}

/// Fails the check unless `body` throws a ``CommerceError`` with `code`.
func requireError<T>(
    _ code: CommerceError.Code, _ what: String, _ body: () async throws -> T
) async throws {
    do {
        _ = try await body()
    } catch let error as CommerceError {
        try require(error.code == code, "\(what): expected a \(code) error, got \(error)")
        return
    }
    throw ConformanceFailure("\(what): expected a \(code) error, but it succeeded")
}
