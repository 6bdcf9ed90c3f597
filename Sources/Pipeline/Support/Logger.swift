#if canImport(Glibc)
    import Glibc
#endif

/// Writes one-line log messages to stderr (stdout carries only metrics).
///
/// The level comes from `PIPELINE_LOG_LEVEL` (debug, info, warning, error; default info).
/// Callers never pass secrets: requests are logged by method and URL, never by header; and
/// every line is scrubbed of the secret values the run resolved (`SecretRedaction`).
public struct Logger: Sendable {
    public enum Level: Int, Sendable, Comparable, CaseIterable {
        case debug, info, warning, error
        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
        public var name: String { ["debug", "info", "warning", "error"][rawValue] }
    }

    public var level: Level
    public var label: String

    public init(label: String = "pipeline", level: Level = .info) {
        self.label = label
        self.level = level
    }

    /// A logger whose level is read from `PIPELINE_LOG_LEVEL`.
    public static func fromEnvironment(label: String = "pipeline") -> Logger {
        let raw = getenv("PIPELINE_LOG_LEVEL").map { String(cString: $0).lowercased() } ?? "info"
        return Logger(label: label, level: Level.allCases.first { $0.name == raw } ?? .info)
    }

    public func with(label: String) -> Logger { Logger(label: label, level: level) }

    public func debug(_ message: @autoclosure () -> String) { log(.debug, message()) }
    public func info(_ message: @autoclosure () -> String) { log(.info, message()) }
    public func warning(_ message: @autoclosure () -> String) { log(.warning, message()) }
    public func error(_ message: @autoclosure () -> String) { log(.error, message()) }

    public func log(_ level: Level, _ message: @autoclosure () -> String) {
        guard level >= self.level else { return }
        let line = SecretRedaction.shared.redact("\(level.name): \(label): \(message())") + "\n"
        var bytes = Array(line.utf8)
        bytes.withUnsafeMutableBytes { _ = write(2, $0.baseAddress, $0.count) }
    }
}
