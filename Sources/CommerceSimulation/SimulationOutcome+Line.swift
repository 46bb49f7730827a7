extension SimulationOutcome {
    /// The line `commerce-simulate` prints for a run: its seed, its trace's hash, what it broke.
    public var line: String {
        let found = violations.isEmpty ? "ok" : "\(violations.count) violations"
        return "seed \(seed): \(steps) steps, trace \(traceHash.prefix(16)), \(found)"
    }
}
