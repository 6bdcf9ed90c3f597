import Pipeline
import Storage

/// Every sink type, one line each.
public enum SinkStages {
    public static let all: [StageKind] = [
        StdoutSink.kind,
        SQLiteSink.kind,
        DatadogSink.kind,
    ]
}
