import NIOPosix
import Testing

@testable import ExampleServer

/// The server's tasks prefer the event loops as their task executor (main.swift).
@Suite("The event loops as the server's task executor")
struct EventLoopTaskExecutorTests {
    /// Where a function that belongs to no actor runs: on an event loop, and with which task executor.
    nonisolated static func whereThisRuns() async -> (onEventLoop: Bool, executor: UnownedTaskExecutor?) {
        await Task.yield()
        return (
            MultiThreadedEventLoopGroup.currentEventLoop != nil,
            withUnsafeCurrentTask { $0?.unownedTaskExecutor }
        )
    }

    @Test func codeOfNoActorRunsOnAnEventLoopWithoutLeavingTheExecutor() async {
        let executor = EventLoopTaskExecutor.shared
        let (onEventLoop, preferred) = await withTaskExecutorPreference(executor) { await Self.whereThisRuns() }
        #expect(onEventLoop, "the test runner's own pool is not an event loop")
        #expect(preferred == executor.asUnownedTaskExecutor())
    }

    @Test func childTasksInheritTheEventLoops() async {
        let onEventLoop = await withTaskExecutorPreference(EventLoopTaskExecutor.shared) {
            await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<4 { group.addTask { await Self.whereThisRuns().onEventLoop } }
                return await group.reduce(true) { $0 && $1 }
            }
        }
        #expect(onEventLoop)
    }
}
