extension Task where Success == Void, Failure == Never {
    /// Starts `operation` as an unstructured task on the task executor the current task prefers, if it
    /// prefers one. An unstructured task does not inherit its creator's preference; work that a request
    /// hands to a task of its own (a batch of statements, a group commit) should run where the request did,
    /// as ``withTaskExecutorPreference(_:isolation:operation:)`` asked (Documentation/Architecture.md,
    /// "Threads").
    @discardableResult
    package static func onCurrentExecutor(_ operation: sending @escaping () async -> Void) -> Task<Void, Never> {
        let preference = withUnsafeCurrentTask { $0?.unownedTaskExecutor?.asTaskExecutor() }
        return Task(executorPreference: preference, operation: operation)
    }
}
