// commerce-simulate: seeded runs of both services in one process, every invariant checked
// (Documentation/Testing.md, "The simulator").
//
//   commerce-simulate --seed S [--steps N] [--sqlite]            one run; prints its trace's hash
//   commerce-simulate --seeds N [--start K] [--steps N] [--sqlite] runs K..<K+N; ends "N seeds, V violations"
import CommerceCore
import CommerceSimulation
import CommerceStorage
import Foundation

func value(after flag: String) -> UInt64? {
    guard let index = CommandLine.arguments.firstIndex(of: flag), index + 1 < CommandLine.arguments.count else {
        return nil
    }
    return UInt64(CommandLine.arguments[index + 1])
}

let usage = "usage: commerce-simulate (--seed S | --seeds N [--start K]) [--steps N] [--sqlite]\n"
let sqlite = CommandLine.arguments.contains("--sqlite")
var configuration = SimulationRun.Configuration()
if let steps = value(after: "--steps") { configuration.steps = Int(steps) }
let seeds: Range<UInt64>
if let seed = value(after: "--seed") {
    seeds = seed..<seed + 1
} else if let count = value(after: "--seeds") {
    let start = value(after: "--start") ?? 0
    seeds = start..<start + count
} else {
    FileHandle.standardError.write(Data(usage.utf8))
    exit(2)
}

var violations = 0
for seed in seeds {
    let run = try await SimulationRun(seed: seed, configuration: configuration) {
        guard sqlite else { return SimulationRun.inMemoryStores() }
        return (try SQLiteUserStore.inMemory(), try SQLiteOrderStore.inMemory())
    }
    let outcome = try await run.run()
    violations += outcome.violations.count
    if seeds.count == 1 || !outcome.violations.isEmpty { print(outcome.line) }
    for violation in outcome.violations { print("  \(violation)") }
}
print("\(seeds.count) seeds, \(violations) violations")
exit(violations == 0 ? 0 : 1)
