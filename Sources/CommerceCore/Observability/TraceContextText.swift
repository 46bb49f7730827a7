import Instrumentation

/// A trace context as text, kept with what outlives its request — an outbox event — so that delivering it
/// later links back to the request that caused it. The text is what the bootstrapped tracer's propagator
/// writes (`traceparent` and `tracestate` with swift-otel), one `name: value` a line; with no tracer there
/// is none.
public enum TraceContextText {
    /// The current task's trace context as text, or `nil` when the tracer writes nothing for it (no tracer,
    /// no trace) or the trace is not recorded (``TraceRecording``): a link to it would lead nowhere.
    public static func current() -> String? {
        guard TraceRecording.isOn, let context = ServiceContext.current else { return nil }
        var fields: [String: String] = [:]
        InstrumentationSystem.instrument.inject(context, into: &fields, using: FieldsInjector())
        guard !fields.isEmpty else { return nil }
        return fields.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "\n")
    }

    /// The trace context `text` holds, as the tracer reads it back; empty when it reads nothing.
    public static func context(_ text: String) -> ServiceContext {
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[String(line[..<colon])] = String(line[line.index(after: colon)...].drop { $0 == " " })
        }
        var context = ServiceContext.topLevel
        InstrumentationSystem.instrument.extract(fields, into: &context, using: FieldsExtractor())
        return context
    }

    private struct FieldsInjector: Injector {
        func inject(_ value: String, forKey key: String, into fields: inout [String: String]) {
            // A line each: a value that could break the format is left out rather than mangled.
            guard !key.contains(":"), !key.contains("\n"), !value.contains("\n") else { return }
            fields[key.lowercased()] = value
        }
    }

    private struct FieldsExtractor: Extractor {
        func extract(key: String, from fields: [String: String]) -> String? { fields[key.lowercased()] }
    }
}
