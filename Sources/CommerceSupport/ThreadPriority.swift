#if canImport(Glibc)
    import Glibc
#endif

/// The calling thread's scheduling priority, for work that must yield a busy core to requests (password
/// hashing, webhook deliveries).
package enum ThreadPriority {
    /// Lowers the calling thread's priority to nice value `nice` (1–19: 19 is the lowest) unless it is lower
    /// already; never raises it, which would need privileges. On Linux only, where a nice value belongs to
    /// each thread and `who` 0 names the calling one (setpriority(2)); elsewhere it does nothing.
    package static func lower(toNice nice: Int32) {
        #if os(Linux)
            let which = __priority_which_t(PRIO_PROCESS.rawValue)
            let current = getpriority(which, 0)
            if current < nice { _ = setpriority(which, 0, min(19, nice)) }
        #endif
    }
}
