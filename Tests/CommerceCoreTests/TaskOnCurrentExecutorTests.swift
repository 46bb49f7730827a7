import CommerceCore
import Dispatch
import Synchronization
import Testing

/// A library's unstructured task (a batch, a group commit) starts where the request that made it runs.
@Suite("Unstructured tasks on the current task executor")
struct TaskOnCurrentExecutorTests {
    /// A task executor that runs its jobs on Dispatch's global queue.
    final class QueueExecutor: TaskExecutor {
        func enqueue(_ job: consuming ExecutorJob) {
            let job = UnownedJob(job)
            DispatchQueue.global().async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
        }
    }

    /// The task executor the task that `start` makes runs on.
    static func executorOfTask(started start: (@escaping @Sendable () async -> Void) -> Task<Void, Never>) async
        -> UnownedTaskExecutor?
    {
        let seen = Mutex<UnownedTaskExecutor?>(nil)
        await start { seen.withLock { $0 = withUnsafeCurrentTask { $0?.unownedTaskExecutor } } }.value
        return seen.withLock { $0 }
    }

    @Test func theTaskRunsOnTheExecutorItsCreatorPrefers() async {
        let executor = QueueExecutor()
        let seen = await withTaskExecutorPreference(executor) {
            await Self.executorOfTask { operation in Task.onCurrentExecutor(operation) }
        }
        #expect(seen == executor.asUnownedTaskExecutor())
    }

    @Test func withoutAPreferenceTheTaskHasNone() async {
        let seen = await Self.executorOfTask { operation in Task.onCurrentExecutor(operation) }
        #expect(seen == nil)
    }
}
