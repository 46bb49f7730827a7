import Foundation
import Logging
import ServiceLifecycle
import Tracing

#if OTLPExporter
    import OTel
#endif

/// commerce-server's traces: with the `OTLPExporter` trait built in and `OTEL_EXPORTER_OTLP_ENDPOINT` (or
/// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) set, swift-otel exports every span over OTLP/HTTP, honouring the
/// standard `OTEL_*` variables (`OTEL_TRACES_SAMPLER`, `OTEL_RESOURCE_ATTRIBUTES`, …). Otherwise no tracer
/// is bootstrapped, and the library's spans are the no-op ones.
struct TraceExport {
    /// The exporter's background work, run first and stopped last so the last spans still leave.
    let service: (any Service)?
    /// What every log line adds: the current `trace_id` and `span_id` while a span is recording.
    let logMetadata: Logger.MetadataProvider?

    /// The service name a process reports without `OTEL_SERVICE_NAME`: the service it runs.
    static func serviceName(for mode: ServiceMode) -> String {
        switch mode {
        case .all: "commerce"
        case .user: "commerce-user"
        case .order: "commerce-order"
        }
    }

    /// Bootstraps the tracer when an endpoint is set; call once, before anything logs or is traced.
    /// - Throws: what swift-otel throws for a configuration it cannot use.
    static func bootstrap(
        mode: ServiceMode, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> TraceExport {
        let endpoint = environment["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] ?? environment["OTEL_EXPORTER_OTLP_ENDPOINT"]
        guard endpoint?.isEmpty == false else { return TraceExport(service: nil, logMetadata: nil) }
        #if OTLPExporter
            var configuration = OTel.Configuration.default
            configuration.serviceName = environment["OTEL_SERVICE_NAME"] ?? serviceName(for: mode)
            configuration.logs.enabled = false
            configuration.metrics.enabled = false
            configuration.traces.exporter = .otlp
            configuration.traces.otlpExporter.protocol = .httpProtobuf
            let backend = try OTel.makeTracingBackend(configuration: configuration)
            InstrumentationSystem.bootstrap(backend.factory)
            return TraceExport(service: backend.service, logMetadata: OTel.makeLoggingMetadataProvider())
        #else
            FileHandle.standardError.write(
                Data(
                    """
                    commerce-server: OTEL_EXPORTER_OTLP_ENDPOINT is set, but this build has no OTLP exporter; \
                    build with `--traits OTLPExporter` to export traces

                    """.utf8))
            return TraceExport(service: nil, logMetadata: nil)
        #endif
    }
}
