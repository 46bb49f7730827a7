import NIOCore
import NIOPosix

/// NIO's singleton event loops as a task executor: every task the server makes prefers it
/// (`main.swift`), so code that belongs to no actor runs on the loop that runs its task, without a hop.
///
/// NIO's takeover of the global executor runs each job as if on the event loop's *serial* executor. Swift
/// runs code that belongs to no actor on the *generic* executor, so every call into such an `async`
/// function — each row of a PostgreSQL result, each middleware — found itself on the wrong executor and went
/// back through the loop's queue: about 150 hops for a read of ten orders. A job run on a task executor
/// runs on the generic executor, so those calls stay where they are (Documentation/Architecture.md,
/// "Threads"; the figures in PerformanceLog.md).
final class EventLoopTaskExecutor: TaskExecutor {
    static let shared = EventLoopTaskExecutor()

    private init() {}

    /// Runs `job` on the current event loop (or any of the group's, from another thread).
    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        MultiThreadedEventLoopGroup.singleton.any().execute {
            job.runSynchronously(on: EventLoopTaskExecutor.shared.asUnownedTaskExecutor())
        }
    }
}
