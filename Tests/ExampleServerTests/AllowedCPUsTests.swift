import Testing

@testable import ExampleServer

/// The event loops are sized from the CPUs the server may run on, read from Linux's status file.
@Suite("CPUs the process may run on")
struct AllowedCPUsTests {
    @Test(
        arguments: [
            ("Name:\tcommerce-server\nCpus_allowed:\t1\nCpus_allowed_list:\t0\n", 1),
            ("Cpus_allowed:\t3\n", 2),
            ("Cpus_allowed:\tff,ffffffff\n", 40),
            ("Cpus_allowed:\t00000000,00000100\n", 1),
        ] as [(String, Int)])
    func theMaskCountsEveryCPUItAllows(_ status: String, _ expected: Int) {
        #expect(AllowedCPUs.count(inStatus: status) == expected)
    }

    @Test(arguments: ["Name:\tcommerce-server\n", "Cpus_allowed:\t0\n", "Cpus_allowed:\tzz\n"])
    func noReadableMaskSaysNothing(_ status: String) {
        #expect(AllowedCPUs.count(inStatus: status) == nil)
    }

    #if os(Linux)
        @Test func thisProcessMayRunOnAtLeastOneCPU() {
            #expect((AllowedCPUs.count() ?? 0) >= 1)
        }
    #endif
}
