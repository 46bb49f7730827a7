// commerce-simulate: seeded runs of both services in one process, every invariant checked
// (Documentation/Testing.md, "The simulator").
//
//   commerce-simulate --seed S [--steps N] [--sqlite] [--trace]  one run; prints its trace's hash (and trace)
//   … --no-races                                                  no requests raced (always so with --sqlite)
//   commerce-simulate --seeds N [--start K] [--steps N] [--sqlite] runs K..<K+N; ends "N seeds, V violations"
//   … --plant BUG                                                 in-memory stores with one of the bugs planted
//                                                                 to show they are found (PlantedBug)
import CommerceCore
import CommerceInMemory
import CommerceSimulation
import CommerceStorage
import Foundation

func value(after flag: String) -> UInt64? {
    guard let index = CommandLine.arguments.firstIndex(of: flag), index + 1 < CommandLine.arguments.count else {
        return nil
    }
    return UInt64(CommandLine.arguments[index + 1])
}

let bugs = PlantedBug.allCases.map(\.rawValue).joined(separator: "|")
let usage = "usage: commerce-simulate (--seed S | --seeds N [--start K]) [--steps N] [--sqlite | --plant \(bugs)]\n"
let sqlite = CommandLine.arguments.contains("--sqlite")
/// The bug `--plant` names, if any (in-memory stores only).
func plantedBugs() -> Set<PlantedBug> {
    guard let index = CommandLine.arguments.firstIndex(of: "--plant") else { return [] }
    guard index + 1 < CommandLine.arguments.count, let bug = PlantedBug(rawValue: CommandLine.arguments[index + 1]),
        !sqlite
    else {
        FileHandle.standardError.write(Data(usage.utf8))
        exit(2)
    }
    return [bug]
}
let planted = plantedBugs()
var configuration = SimulationRun.Configuration()
// SQLite answers from its own queue, at times no seed decides: without races its runs replay exactly.
configuration.races = !sqlite && !CommandLine.arguments.contains("--no-races")
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
        if sqlite { return (try SQLiteUserStore.inMemory(), try SQLiteOrderStore.inMemory()) }
        return SimulationRun.inMemoryStores(planting: planted)
    }
    let outcome = try await run.run()
    violations += outcome.violations.count
    if seeds.count == 1 || !outcome.violations.isEmpty { print(outcome.line) }
    if CommandLine.arguments.contains("--trace") { for line in outcome.trace { print("  | \(line)") } }
    for violation in outcome.violations { print("  \(violation)") }
}
print("\(seeds.count) seeds, \(violations) violations")
exit(violations == 0 ? 0 : 1)
