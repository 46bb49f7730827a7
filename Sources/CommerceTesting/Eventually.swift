import Foundation

/// Polls `condition` until it holds or `timeout` passes; returns whether it came to hold. For waiting on
/// background work (the propagator) without guessing a sleep.
public func eventually(
    timeout: Duration = .seconds(5), pollEvery interval: Duration = .milliseconds(5),
    _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let giveUp = ContinuousClock.now + timeout
    while true {
        if try await condition() { return true }
        if ContinuousClock.now >= giveUp { return false }
        try? await Task.sleep(for: interval)
    }
}
