import Logging
import Synchronization

/// Keeps every log line a `Logger` writes, for tests that check what is (and is not) logged.
///
/// ```swift
/// let recorder = LogRecorder()
/// let logger = Logger(label: "test", factory: recorder.handler)
/// ...
/// #expect(!recorder.lines.contains { $0.contains(password) })
/// ```
public final class LogRecorder: Sendable {
    /// One recorded line.
    public struct Entry: Sendable {
        /// The entry's level.
        public let level: Logger.Level
        /// The message, rendered.
        public let message: String
        /// The metadata, each value rendered.
        public let metadata: [String: String]

        /// The line as text: message, then `key=value` metadata.
        public var text: String {
            ([message] + metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }).joined(separator: " ")
        }
    }

    private let entries = Mutex<[Entry]>([])

    /// An empty recorder.
    public init() {}

    /// Every line so far.
    public var entriesSoFar: [Entry] { entries.withLock { $0 } }
    /// Every line so far, as text.
    public var lines: [String] { entriesSoFar.map(\.text) }

    /// A log handler factory for `Logger(label:factory:)`.
    public func handler(_ label: String) -> any LogHandler { RecordingLogHandler(recorder: self) }

    /// A log handler factory for `Logger(label:factory:)` whose handlers also record what
    /// `metadataProvider` provides (the request id, say) with every line.
    public func handlers(metadataProvider: Logger.MetadataProvider) -> @Sendable (String) -> any LogHandler {
        { _ in RecordingLogHandler(recorder: self, metadataProvider: metadataProvider) }
    }

    func append(_ entry: Entry) { entries.withLock { $0.append(entry) } }
}

/// A log handler that writes into a ``LogRecorder``.
struct RecordingLogHandler: LogHandler {
    let recorder: LogRecorder
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    var metadataProvider: Logger.MetadataProvider?

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let provided = metadataProvider?.get() ?? [:]
        let merged = provided.merging(metadata) { $1 }.merging(event.metadata ?? [:]) { $1 }
        recorder.append(.init(level: event.level, message: "\(event.message)", metadata: merged.mapValues { "\($0)" }))
    }
}
