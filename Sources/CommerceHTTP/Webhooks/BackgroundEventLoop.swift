import CommerceSupport
import NIOCore
import NIOPosix

/// An event loop on a thread of its own at a lower scheduling priority, and a task executor over it: for
/// work that may lag behind requests but must not take their core, as webhook deliveries (`commerce-server`
/// runs the dispatcher's lanes and its HTTP client here: ``WebhookDispatcher/Configuration/executor``,
/// ``HTTPClient/forWebhooks(on:)``).
///
/// While the process's cores are busy with requests, the kernel gives this thread the share its nice value
/// allows (19: a few percent of a busy core, on Linux, which keeps a nice value per thread); when they are
/// not, it runs as fast as any other. Elsewhere the thread runs at the process's priority. Never shut down:
/// like NIO's singletons, it lives as long as the process.
public final class BackgroundEventLoop: TaskExecutor {
    /// The loop webhook deliveries run on.
    public static let webhooks = BackgroundEventLoop(nice: 19)

    /// The one-thread group the loop belongs to (for a client's `eventLoopGroupProvider`).
    public let group: MultiThreadedEventLoopGroup
    private let loop: any EventLoop

    /// A new thread with its loop, at nice value `nice` (19: the lowest priority).
    public init(nice: Int32) {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        loop = group.next()
        loop.execute { ThreadPriority.lower(toNice: nice) }
    }

    /// Runs `job` on the loop.
    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
