import CommerceCore
import Foundation
import Logging
import Synchronization

/// `LOG_FORMAT=json`: one JSON object per line on standard output — `time` (ISO 8601, UTC, milliseconds),
/// `level`, `logger` (the label), `message`, then every metadata key (the request id among them) as its own
/// member. Lines from concurrent tasks never interleave.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    private static let output = Mutex(())

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields: [String: String] = [:]
        let provided = metadataProvider?.get() ?? [:]
        for (key, value) in provided.merging(metadata, uniquingKeysWith: { $1 })
            .merging(event.metadata ?? [:], uniquingKeysWith: { $1 })
        {
            fields[key] = "\(value)"
        }
        fields["time"] = Self.timestamp(Date())
        fields["level"] = event.level.rawValue
        fields["logger"] = label
        fields["message"] = "\(event.message)"
        Self.write(Self.line(fields))
    }

    /// The fields as one line of JSON, keys sorted, ending in a newline.
    static func line(_ fields: [String: String]) -> Data {
        var data = (try? encoder.encode(fields)) ?? Data(#"{"message":"unencodable log line"}"#.utf8)
        data.append(UInt8(ascii: "\n"))
        return data
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    private static func timestamp(_ date: Date) -> String {
        date.formatted(
            .iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }

    private static func write(_ data: Data) {
        output.withLock { _ in FileHandle.standardOutput.write(data) }
    }
}

extension LogFormat {
    /// Bootstraps swift-log for the whole process: this format, this level, and the request id on every
    /// line written while one is bound (and the trace's ids, when `traceMetadata` is given).
    func bootstrap(level: Logger.Level, traceMetadata: Logger.MetadataProvider? = nil) {
        let metadata: Logger.MetadataProvider =
            traceMetadata.flatMap { .multiplex([RequestID.metadataProvider, $0]) } ?? RequestID.metadataProvider
        LoggingSystem.bootstrap(
            { label, provider in
                switch self {
                case .json:
                    return JSONLogHandler(label: label, logLevel: level, metadataProvider: provider)
                case .text:
                    return TextLogHandler(label: label, level: level, metadataProvider: provider)
                }
            }, metadataProvider: metadata)
    }
}
