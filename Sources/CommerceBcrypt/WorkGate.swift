import CommerceCore

/// Bounds expensive work: at most `permits` jobs run at once and at most `maxWaiting` wait; past that a
/// caller is refused at once with ``CommerceError/Code/unavailable`` (and a 1 s `retryAfter`) instead of
/// queueing without bound. Keeps a login flood from starving everything else.
actor WorkGate {
    private let permits: Int
    private let maxWaiting: Int
    private var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(permits: Int, maxWaiting: Int) {
        precondition(permits >= 1 && maxWaiting >= 0)
        self.permits = permits
        self.maxWaiting = maxWaiting
    }

    /// Takes a permit, waiting for one if needed.
    /// - Throws: `unavailable` when `maxWaiting` callers already wait.
    func acquire() async throws {
        if running < permits {
            running += 1
            return
        }
        guard waiting.count < maxWaiting else {
            throw CommerceError.unavailable("The server is busy; try again shortly.", retryAfter: .seconds(1))
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    /// Gives a permit back, handing it straight to the longest waiter if there is one.
    func release() {
        if waiting.isEmpty {
            running -= 1
        } else {
            waiting.removeFirst().resume()
        }
    }

    /// Runs `work` holding a permit.
    func run<Result: Sendable>(_ work: @Sendable () async throws -> Result) async throws -> Result {
        try await acquire()
        do {
            let result = try await work()
            release()
            return result
        } catch {
            release()
            throw error
        }
    }
}
