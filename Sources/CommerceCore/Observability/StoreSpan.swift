import Tracing

/// A store call as a client span of the current trace, with OpenTelemetry's database attributes
/// (`db.system`, `db.operation.name`): the SQLite and PostgreSQL stores wrap every call made within a trace
/// in one, and a store of an embedder's own can too.
///
/// Costs next to nothing without a tracer or within a trace the sampler dropped: no span is made
/// (``TraceRecording``).
public enum StoreSpan {
    /// Runs `body` inside a span named `operation` — a method's name, as `#function` gives it; what follows
    /// its first `(` is dropped — recording what `body` throws.
    /// - Parameter system: the database, as OpenTelemetry names it: `sqlite`, `postgresql`.
    public static func around<Result>(
        system: String, operation: String, _ body: () async throws -> sending Result
    ) async throws -> sending Result {
        // Work outside any trace — a background loop's polls and sweeps — makes no span: a trace of each
        // poll would be noise. Work a recorded trace asked for (a request, an event's delivery) does.
        guard TraceRecording.isOn else { return try await body() }
        let name = operation.prefix { $0 != "(" }
        let span = startSpan(String(name), ofKind: .client)
        defer { span.end() }
        if span.isRecording {
            span.attributes["db.system"] = system
            span.attributes["db.system.name"] = system
            span.attributes["db.operation.name"] = String(name)
        }
        do {
            return try await body()
        } catch {
            span.recordError(error)
            throw error
        }
    }
}
