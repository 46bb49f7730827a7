import Instrumentation

/// Whether the spans of the current trace are recorded, as the request's server span learnt when the
/// tracer's sampler decided. A trace the sampler dropped records nothing, so the library makes no span of
/// its own within it (a store call, a peer call) and keeps no trace context for later links: the tracer would
/// drop each of those spans anyway, after the work of making it, and a link to an unrecorded trace leads
/// nowhere. With a sampler keeping one request in ten, that work was most of what tracing cost
/// (Documentation/Performance.md, "Tracing").
public enum TraceRecording {
    /// Whether work in the current task is within a trace whose spans are recorded: `false` outside any
    /// trace, and within one marked ``ServiceContext/markingUnrecorded()``.
    public static var isOn: Bool {
        guard let context = ServiceContext.current else { return false }
        return context[UnrecordedKey.self] != true
    }
}

extension ServiceContext {
    /// This context, marked as one whose trace the sampler dropped (see ``TraceRecording``).
    public func markingUnrecorded() -> ServiceContext {
        var context = self
        context[UnrecordedKey.self] = true
        return context
    }
}

private enum UnrecordedKey: ServiceContextKey {
    typealias Value = Bool
    static var nameOverride: String? { "commerce.trace-unrecorded" }
}
