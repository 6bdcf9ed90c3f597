import Foundation
import Pipeline
import Synchronization

/// Prints points on stdout: an aligned table sorted by metric (for people), or JSON Lines (for
/// programs: `{"metric":…,"value":…,"timestamp":…,"type":"gauge","tags":[…],"unit":…}`).
///
/// `--dry-run` puts this sink in place of every other, so nothing leaves the machine.
///
/// A write that fails (the reader went away: `| head -0`; stdout closed) fails the sink, so the
/// run exits 3 saying so rather than 0 with the metrics lost.
public struct StdoutSink: Sink {
    public enum Format: String, Sendable, Decodable, CaseIterable { case table, json }

    public struct Options: Decodable, Sendable {
        /// `table` or `json`; default: a table on a terminal, JSON Lines otherwise.
        public var format: Format?

        public init(from decoder: any Decoder) throws {
            let reader = try OptionReader(decoder)
            format = try reader.optional("format")
        }
    }

    public static let kind = StageKind.sink(
        "stdout", summary: "print points on stdout as an aligned table or JSON Lines", options: Options.self,
        example: ["format": "json"],
        optionDocs: [
            "format": "table or json (default: a table on a terminal, JSON Lines otherwise)"
        ]
    ) { StdoutSink(format: $0.format ?? (isatty(1) == 1 ? .table : .json)) }

    public var format: Format
    /// Where text goes; stdout unless a test captures it. Throws when the text cannot be written.
    public var write: @Sendable (String) throws -> Void

    public init(format: Format, write: @escaping @Sendable (String) throws -> Void = StandardOutput.write) {
        self.format = format
        self.write = write
    }

    public func run(points: PointStream, context: StageContext) async throws {
        switch format {
        case .json:
            for try await batch in points {
                var text = ""
                for point in batch {
                    JSON.write(point.json, to: &text)
                    text += "\n"
                }
                try write(text)
            }
        case .table:
            try write(Self.table(try await points.collect()))
        }
    }

    /// Rows sorted by metric then tags, columns aligned.
    public static func table(_ points: [MetricPoint]) -> String {
        let sorted = points.sorted { ($0.metric, $0.tags.joined(separator: ",")) < ($1.metric, $1.tags.joined(separator: ",")) }
        let header = ["METRIC", "VALUE", "UNIT", "TAGS"]
        let rows = sorted.map { [$0.metric, formatValue($0.value), $0.unit ?? "", $0.tags.joined(separator: ",")] }
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            var out = ""
            for (i, cell) in cells.enumerated() {
                if i == 1 {
                    out += String(repeating: " ", count: widths[i] - cell.count) + cell
                } else if i == cells.count - 1 {
                    out += cell
                } else {
                    out += cell + String(repeating: " ", count: widths[i] - cell.count)
                }
                if i < cells.count - 1 { out += "  " }
            }
            while out.hasSuffix(" ") { out.removeLast() }
            return out + "\n"
        }
        return ([header] + rows).map(line).joined()
    }

    /// Whole numbers without a fraction; others to at most 4 decimals.
    static func formatValue(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        var text = String(format: "%.4f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}

/// Unbuffered writes to file descriptor 1, whole strings at a time.
///
/// A failed write throws: EPIPE when the reader is gone (the CLI ignores SIGPIPE, which would
/// otherwise kill the process silently), EBADF when stdout is closed, ENOSPC on a full disk.
public enum StandardOutput {
    public struct WriteError: Error, Sendable, CustomStringConvertible {
        public var errno: Int32
        public var description: String {
            let reason = String(cString: strerror(errno))
            let hint = errno == EPIPE ? " (the reader of stdout went away)" : errno == EBADF ? " (stdout is closed)" : ""
            return "cannot write to stdout: \(reason)\(hint)"
        }
    }

    /// The first write to stdout that failed in this process, if one did.
    public static var firstFailure: WriteError? { failures.withLock { $0 } }
    private static let failures = Mutex<WriteError?>(nil)

    public static let write: @Sendable (String) throws -> Void = { text in
        var bytes = Array(text.utf8)
        let failure: Int32? = bytes.withUnsafeMutableBytes { buffer in
            guard let base = buffer.baseAddress else { return nil }
            var offset = 0
            while offset < buffer.count {
                let n = Glibc.write(1, base + offset, buffer.count - offset)
                if n < 0, errno == EINTR { continue }
                if n <= 0 { return n < 0 ? errno : EIO }
                offset += n
            }
            return nil
        }
        guard let failure else { return }
        let error = WriteError(errno: failure)
        failures.withLock { if $0 == nil { $0 = error } }
        throw error
    }
}

extension StdoutSink.Format: OptionSchemaDescribing {
    public static var optionSchema: JSON { OptionSchema.words(allCases.map(\.rawValue)) }
}
