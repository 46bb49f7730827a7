import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

// Swift Concurrency's tasks run on NIO's event loops instead of a pool of their own, so a request's handler
// runs on the thread that read it and writes its answer there: without this, every request crosses from its
// event loop to the concurrency pool and back (Documentation/Architecture.md, "Threads"). Every event loop
// this process uses is NIO's singleton group (Hummingbird's server, PostgresNIO, AsyncHTTPClient), and
// nothing in it blocks a thread for long: bcrypt runs on a pool of its own, SQLite's writes on GRDB's
// writer queue. It must run first, on the main thread, before any task is made.
//
// One event loop per CPU the process may run on: NIO counts the CPUs of the cgroup (or all of them), not the
// scheduler affinity (AllowedCPUs). NIO_SINGLETON_GROUP_LOOP_COUNT, when set, decides instead.
if ProcessInfo.processInfo.environment["NIO_SINGLETON_GROUP_LOOP_COUNT"] == nil, let allowed = AllowedCPUs.count(),
    allowed < System.coreCount
{
    NIOSingletons.groupLoopCountSuggestion = allowed
}
NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()

/// The command's asynchronous entry point (top-level code would pick `ParsableCommand`'s synchronous one). Every
/// task the command makes prefers the event loops as its task executor (``EventLoopTaskExecutor`` says why).
func runCommand() async {
    await withTaskExecutorPreference(EventLoopTaskExecutor.shared) { await CommerceServer.main() }
}
await runCommand()
