import Logging

/// `LOG_FORMAT=text`, the default: swift-log's `StreamLogHandler` lines on standard output, with the
/// logger's metadata kept here and handed to it with each line written.
///
/// `StreamLogHandler` formats all of its metadata again whenever one key is set, and Hummingbird sets one
/// (the request id) on every request's logger, which showed in the hot routes' profiles under
/// `scripts/bench`. Here a key costs a dictionary write, and metadata is formatted only for a line that is
/// written.
struct TextLogHandler: LogHandler {
    private var stream: StreamLogHandler
    var metadata: Logger.Metadata = [:]

    init(label: String, level: Logger.Level, metadataProvider: Logger.MetadataProvider?) {
        self.init(StreamLogHandler.standardOutput(label: label, metadataProvider: metadataProvider), level: level)
    }

    /// Writes `stream`'s lines, for tests that read them.
    init(_ stream: StreamLogHandler, level: Logger.Level) {
        self.stream = stream
        self.stream.logLevel = level
    }

    var logLevel: Logger.Level {
        get { stream.logLevel }
        set { stream.logLevel = newValue }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { stream.metadataProvider }
        set { stream.metadataProvider = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var event = event
        if !metadata.isEmpty { event.metadata = metadata.merging(event.metadata ?? [:]) { $1 } }
        stream.log(event: event)
    }
}
