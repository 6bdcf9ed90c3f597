/// The `http` object of a pipeline file: the HTTP limits of every stage (at the top level) or
/// of one stage (in the stage, over the top level's). Every key is optional:
///
///     "http": { "timeout": "30s", "connect_timeout": "10s", "max_response_bytes": "8MiB" }
///
/// - `timeout`: the longest one attempt may take, connecting to the last byte (default 30 s);
///   each request is tried up to 6 times.
/// - `connect_timeout`: the longest connecting may take (default 10 s).
/// - `max_response_bytes`: the largest answer a request accepts, in bytes or with a unit
///   (`512KiB`, `8MiB`, `1GiB`; default 8 MiB). A larger one is refused on its `Content-Length`
///   before its body is read, or as soon as its body passes the cap.
///
/// Whatever they say, the run's deadline bounds them (see `Deadline`).
public struct HTTPSettings: Sendable, Equatable {
    public var timeout: TimeSpan?
    public var connectTimeout: TimeSpan?
    public var maxResponseBytes: Int?

    public static let keys = ["timeout", "connect_timeout", "max_response_bytes"]

    public init(timeout: TimeSpan? = nil, connectTimeout: TimeSpan? = nil, maxResponseBytes: Int? = nil) {
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        self.maxResponseBytes = maxResponseBytes
    }

    /// These settings with `other`'s where it sets them.
    public func overridden(by other: HTTPSettings) -> HTTPSettings {
        HTTPSettings(
            timeout: other.timeout ?? timeout, connectTimeout: other.connectTimeout ?? connectTimeout,
            maxResponseBytes: other.maxResponseBytes ?? maxResponseBytes)
    }

    /// Reads an `http` object at `path`, adding a diagnostic for each fault.
    static func parse(_ value: JSON, path: [String], diagnostics: inout [Diagnostic]) -> HTTPSettings {
        guard case .object(let object) = value else {
            diagnostics.append(
                Diagnostic(
                    path: path, message: "expected an object with \(keys.joined(separator: ", ")), found \(value.kindName)"))
            return HTTPSettings()
        }
        var settings = HTTPSettings()
        for (key, value) in object {
            switch key {
            case "timeout": settings.timeout = span(value, path: path + [key], diagnostics: &diagnostics)
            case "connect_timeout": settings.connectTimeout = span(value, path: path + [key], diagnostics: &diagnostics)
            case "max_response_bytes":
                if let bytes = ByteCount.parse(value), bytes >= 1024 {
                    settings.maxResponseBytes = bytes
                } else {
                    diagnostics.append(
                        Diagnostic(
                            path: path + [key],
                            message:
                                "expected a size of at least 1KiB: a number of bytes or a string such as \"512KiB\", \"8MiB\", \"1GiB\""
                        ))
                }
            default:
                let hint = Suggest.closest(to: key, among: keys).map { " (did you mean \"\($0)\"?)" } ?? ""
                diagnostics.append(
                    Diagnostic(
                        path: path + [key], message: "unknown key \"\(key)\"\(hint); http has \(keys.joined(separator: ", "))"))
            }
        }
        return settings
    }

    private static func span(_ value: JSON, path: [String], diagnostics: inout [Diagnostic]) -> TimeSpan? {
        guard let text = value.string, let span = TimeSpan(text), span.seconds > 0 else {
            diagnostics.append(Diagnostic(path: path, message: "expected a time span above zero such as \"30s\" or \"2m\""))
            return nil
        }
        return span
    }

    public static func duration(_ span: TimeSpan) -> Duration { .milliseconds(Int64((span.seconds * 1000).rounded())) }
}
