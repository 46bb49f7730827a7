/// What a run came to: its seed, how far it went, the hash of its trace of steps and outcomes (the same
/// seed gives the same hash), and what it broke.
public struct SimulationOutcome: Sendable, Hashable {
    public let seed: UInt64
    public let steps: Int
    /// SHA-256 of the trace, hex.
    public let traceHash: String
    public let violations: [SimulationViolation]
    /// The trace itself: a line per step and outcome, what `commerce-simulate --seed S --trace` prints.
    public let trace: [String]
}
