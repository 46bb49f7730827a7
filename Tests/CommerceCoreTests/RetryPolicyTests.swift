import CommerceCore
import CommerceTesting
import Synchronization
import Testing

@Suite("RetryPolicy")
struct RetryPolicyTests {
    /// Quick retries whose overall deadline is far off: these tests count attempts, and a test process
    /// starved for seconds by the tests beside it (CI runs them in parallel on two cores) must not run
    /// into the deadline before the attempts run out.
    let fast = RetryPolicy(
        maxAttempts: 4, baseDelay: .milliseconds(1), maxDelay: .milliseconds(4), attemptTimeout: .seconds(30),
        deadline: .seconds(120))

    /// An operation that fails with the given errors in turn, then answers `value`.
    final class Script: Sendable {
        let failures: Mutex<[any Error]>
        let calls = Atomic<Int>(0)
        init(_ failures: [any Error]) { self.failures = Mutex(failures) }
        func call() throws -> Int {
            calls.add(1, ordering: .relaxed)
            if let error = failures.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) { throw error }
            return 42
        }
    }

    @Test func transientFailuresAreRetriedUntilSuccess() async throws {
        let script = Script([CommerceError.unavailable("down"), AttemptTimedOut(), CommerceError.unavailable("down")])
        #expect(try await fast.run(clock: SystemClock()) { try script.call() } == 42)
        #expect(script.calls.load(ordering: .relaxed) == 4)
    }

    @Test func otherFailuresAreNotRetried() async {
        let script = Script([CommerceError.forbidden()])
        await #expect(throws: CommerceError.forbidden()) {
            try await fast.run(clock: SystemClock()) { try script.call() }
        }
        #expect(script.calls.load(ordering: .relaxed) == 1)
    }

    @Test func backgroundDeliveryRetriesEverything() async throws {
        let script = Script([CommerceError.forbidden(), CommerceError.notFound("x")])
        #expect(try await fast.run(clock: SystemClock(), retryingEverything: true) { try script.call() } == 42)
    }

    @Test func attemptsRunOutAsUnavailable() async {
        let script = Script(Array(repeating: CommerceError.unavailable("down"), count: 10))
        let error = await #expect(throws: CommerceError.self) {
            try await fast.run(clock: SystemClock()) { try script.call() }
        }
        #expect(error?.code == .unavailable)
        #expect(script.calls.load(ordering: .relaxed) == 4)
    }

    @Test func aHangingAttemptIsCutOffByItsTimeout() async throws {
        let policy = RetryPolicy(
            maxAttempts: 2, baseDelay: .zero, maxDelay: .zero, attemptTimeout: .milliseconds(20), deadline: nil)
        let calls = Atomic<Int>(0)
        let result = try await policy.run(clock: SystemClock()) {
            if calls.add(1, ordering: .relaxed).newValue == 1 { try await Task.sleep(for: .seconds(3600)) }
            return "second"
        }
        #expect(result == "second")
    }

    @Test func retryAfterIsHonoured() async throws {
        let clock = TestClock()
        // No per-attempt timeout and no deadline: the back-off is the only sleeper on the clock.
        let policy = RetryPolicy(
            maxAttempts: 3, baseDelay: .milliseconds(1), maxDelay: .milliseconds(1), attemptTimeout: nil,
            deadline: nil)
        let script = Script([CommerceError.rateLimited("slow down", retryAfter: .seconds(2))])
        let task = Task { try await policy.run(clock: clock) { try script.call() } }
        #expect(await eventually { clock.sleeperCount == 1 })
        clock.advance(by: .milliseconds(1999))
        #expect(clock.sleeperCount == 1, "woke before Retry-After")
        #expect(script.calls.load(ordering: .relaxed) == 1)
        clock.advance(by: .milliseconds(1))
        #expect(try await task.value == 42)
        #expect(script.calls.load(ordering: .relaxed) == 2)
    }

    @Test func aRetryAfterPastTheDeadlineGivesUpAtOnce() async throws {
        let policy = RetryPolicy(
            maxAttempts: 3, baseDelay: .milliseconds(1), maxDelay: .milliseconds(1), attemptTimeout: nil,
            deadline: .seconds(5))
        let tooLong = Script([CommerceError.rateLimited("slow down", retryAfter: .seconds(10))])
        let error = await #expect(throws: CommerceError.self) {
            try await policy.run(clock: TestClock()) { try tooLong.call() }
        }
        #expect(error?.code == .unavailable)
        #expect(tooLong.calls.load(ordering: .relaxed) == 1)
    }

    @Test func backOffGrowsAndIsCapped() {
        let policy = RetryPolicy(
            maxAttempts: nil, baseDelay: .milliseconds(100), maxDelay: .seconds(2), attemptTimeout: nil, deadline: nil)
        #expect(
            (1...7).map { policy.ceiling(beforeRetry: $0) } == [
                .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .milliseconds(1600),
                .seconds(2), .seconds(2),
            ])
        var generator = SystemRandomNumberGenerator()
        for retry in 1...20 {
            let delay = policy.delay(beforeRetry: retry, using: &generator)
            #expect(delay >= .zero && delay <= policy.ceiling(beforeRetry: retry))
        }
    }

    @Test func theDefaultsAreTheDocumentedOnes() {
        #expect(RetryPolicy.requestPath.maxAttempts == 4)
        #expect(RetryPolicy.requestPath.deadline == .seconds(5))
        #expect(RetryPolicy.requestPath.attemptTimeout == .seconds(2))
        #expect(RetryPolicy.background.maxAttempts == nil)
        #expect(RetryPolicy.background.maxDelay == .seconds(30))
    }
}
