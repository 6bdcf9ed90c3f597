/// When a collector runs in the chart, and how long a run may take: what the monitors are scaled
/// to. Read from the chart's values (`collectors.NAME.schedule`, `activeDeadlineSeconds`).
public struct CollectorSchedule: Sendable, Equatable {
    /// The CronJob's schedule (`*/15 * * * *`).
    public var cron: String
    /// The Job's `activeDeadlineSeconds`: Kubernetes stops a run after it.
    public var activeDeadlineSeconds: Int
    /// The longest gap between two runs, in seconds (`CronInterval.seconds`).
    public var intervalSeconds: Int

    public init(cron: String, activeDeadlineSeconds: Int, intervalSeconds: Int) {
        self.cron = cron
        self.activeDeadlineSeconds = activeDeadlineSeconds
        self.intervalSeconds = intervalSeconds
    }

    /// The schedule of `collector` in the values file `text` (`path` names it in errors).
    public static func read(collector: String, valuesText text: String, path: String) throws(ScheduleError)
        -> CollectorSchedule
    {
        let entry = ChartValues.collectorEntry(collector, in: text)
        guard let entry else {
            let known = ChartValues.collectorNames(in: text)
            throw ScheduleError(
                message: "\(path) has no collectors.\(collector) (collectors there: "
                    + "\(known.isEmpty ? "none" : known.joined(separator: ", "))); pass --values FILE with its schedule")
        }
        guard let cron = entry["schedule"], !cron.isEmpty else {
            throw ScheduleError(message: "\(path): collectors.\(collector) has no schedule")
        }
        guard let interval = CronInterval.seconds(cron) else {
            throw ScheduleError(
                message: "\(path): collectors.\(collector).schedule \"\(cron)\" is not a five-field cron schedule this "
                    + "command understands (minute hour day-of-month month day-of-week: *, */N, N, N-M, lists)")
        }
        guard let text = entry["activeDeadlineSeconds"], let deadline = Int(text), deadline > 0 else {
            throw ScheduleError(
                message: "\(path): collectors.\(collector).activeDeadlineSeconds must be a positive number of seconds")
        }
        return CollectorSchedule(cron: cron, activeDeadlineSeconds: deadline, intervalSeconds: interval)
    }
}

/// Why the schedule could not be read.
public struct ScheduleError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// A reader for the two keys of the chart's values this tool needs; not a YAML parser. It finds
/// the top-level `collectors:` block, the `NAME:` entry directly under it, and that entry's own
/// scalar members (`key: value`, quotes and trailing comments removed). Nested blocks and flow
/// collections (`resources: {…}`) are skipped.
public enum ChartValues {
    /// The scalar members of `collectors.NAME`; nil when there is no such entry.
    public static func collectorEntry(_ name: String, in text: String) -> [String: String]? {
        collectorEntries(in: text).first { $0.name == name }?.members
    }

    /// The entries under `collectors:`, in file order.
    public static func collectorNames(in text: String) -> [String] { collectorEntries(in: text).map(\.name) }

    /// Each entry under the top-level `collectors:` with its own scalar members, in file order.
    static func collectorEntries(in text: String) -> [(name: String, members: [String: String])] {
        var entries: [(name: String, members: [String: String])] = []
        var inCollectors = false
        var entryIndent: Int?
        var memberIndent: Int?
        var inEntry = false
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = stripComment(String(raw))
            guard !line.trimmingSpaces().isEmpty else { continue }
            let indent = line.prefix { $0 == " " }.count
            let content = String(line.dropFirst(indent))
            if indent == 0 {
                inCollectors = content.hasPrefix("collectors:")
                inEntry = false
                continue
            }
            guard inCollectors else { continue }
            if entryIndent == nil { entryIndent = indent }
            if indent <= entryIndent! {
                let name = indent == entryIndent ? key(of: content) : nil
                if let name { entries.append((name, [:])) }
                inEntry = name != nil
                memberIndent = nil
                continue
            }
            guard inEntry else { continue }
            if memberIndent == nil { memberIndent = indent }
            guard indent == memberIndent, let key = key(of: content) else { continue }
            let colon = content.firstIndex(of: ":")!
            entries[entries.count - 1].members[key] = unquote(
                String(content[content.index(after: colon)...]).trimmingSpaces())
        }
        return entries
    }

    /// `key` of a `key: …` or `key:` line; nil for list items and other lines.
    static func key(of content: String) -> String? {
        guard let colon = content.firstIndex(of: ":"), !content.hasPrefix("-") else { return nil }
        let key = String(content[..<colon])
        guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else { return nil }
        let after = content[content.index(after: colon)...]
        guard after.isEmpty || after.first == " " else { return nil }
        return key
    }

    /// The line without a `# comment` (a `#` inside quotes is kept).
    static func stripComment(_ line: String) -> String {
        var quote: Character?
        var previous: Character = " "
        var out = ""
        for character in line {
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if character == "#", previous == " " || previous == "\t" {
                break
            }
            out.append(character)
            previous = character
        }
        while out.last == " " || out.last == "\t" { out.removeLast() }
        return out
    }

    static func unquote(_ value: String) -> String {
        if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
            return String(value.dropFirst().dropLast())
        }
        return value
    }
}

extension String {
    func trimmingSpaces() -> String {
        var text = Substring(self)
        while let first = text.first, first == " " || first == "\t" || first == "\r" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" || last == "\r" { text.removeLast() }
        return String(text)
    }
}
