import Foundation

/// How many CPUs this process may run on: its scheduler affinity (`taskset`, `docker run --cpuset-cpus`,
/// systemd's `CPUAffinity=`), as Linux reports it in `/proc/self/status`.
///
/// NIO sizes its event loop group from the cgroup's CPU quota or cpuset, or else every CPU online, and
/// affinity is neither: a server pinned to one core of two ran two event loops on it, and a request whose
/// PostgreSQL connection lived on the other loop crossed between them twice, each time waking a thread on
/// the same core (one loop was faster on every hot route of `scripts/bench`; Documentation/PerformanceLog.md).
enum AllowedCPUs {
    /// The count for this process; `nil` where Linux's status file cannot say (another system).
    static func count() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        return count(inStatus: status)
    }

    /// The CPUs set in the `Cpus_allowed:` line of a `/proc/<pid>/status` text (a hexadecimal mask in
    /// comma-separated groups of 32 bits); `nil` without a readable one.
    static func count(inStatus status: String) -> Int? {
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed:") }) else {
            return nil
        }
        var count = 0
        for character in line.dropFirst("Cpus_allowed:".count) where !character.isWhitespace && character != "," {
            guard let digit = character.hexDigitValue else { return nil }
            count += digit.nonzeroBitCount
        }
        return count > 0 ? count : nil
    }
}
