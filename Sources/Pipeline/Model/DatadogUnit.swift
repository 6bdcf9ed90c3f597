/// The unit names Datadog knows for metric metadata (docs.datadoghq.com, "Metrics Units"). A unit
/// outside this list would be refused by the metric-metadata API and shown as a bare number.
public enum DatadogUnit {
    public static let all: Set<String> = Set(families.values.flatMap { $0 })

    /// The units by family, as Datadog lists them.
    public static let families: [String: [String]] = [
        "bytes": ["bit", "byte", "kibibyte", "mebibyte", "gibibyte", "tebibyte", "pebibyte", "exbibyte"],
        "time": ["nanosecond", "microsecond", "millisecond", "second", "minute", "hour", "day", "week"],
        "percentage": ["percent_nano", "percent", "apdex", "fraction"],
        "network": [
            "connection", "request", "packet", "segment", "response", "message", "payload", "timeout", "datagram", "route",
            "session", "hop",
        ],
        "system": ["process", "thread", "host", "node", "fault", "service", "instance", "cpu"],
        "disk": ["file", "inode", "sector", "block"],
        "general": [
            "buffer", "error", "read", "write", "occurrence", "event", "time", "unit", "operation", "item", "task", "worker",
            "resource", "garbage collection", "email", "sample", "stage", "monitor", "location", "check", "attempt", "device",
            "update", "method", "job", "container", "execution", "throttle", "invocation", "user", "success", "build",
            "prediction", "exception",
        ],
        "db": [
            "table", "index", "lock", "transaction", "query", "row", "key", "command", "offset", "record", "object", "cursor",
            "assertion", "scan", "document", "shard", "flush", "merge", "refresh", "fetch", "column", "commit", "wait", "ticket",
            "question",
        ],
        "cache": ["hit", "miss", "eviction", "get", "set"],
        "money": ["dollar", "cent", "microdollar", "euro", "pound", "penny", "yen"],
        "memory": ["page", "split"],
        "frequency": ["hertz", "kilohertz", "megahertz", "gigahertz"],
        "logging": ["entry"],
        "temperature": ["decidegree celsius", "degree celsius", "degree fahrenheit"],
        "cpu": [
            "nanocore", "microcore", "millicore", "core", "kilocore", "megacore", "gigacore", "teracore", "petacore", "exacore",
        ],
        "power": ["nanowatt", "microwatt", "milliwatt", "deciwatt", "watt", "kilowatt", "megawatt", "gigawatt", "terrawatt"],
        "current": ["milliampere", "ampere"],
        "potential": ["millivolt", "volt"],
        "apm": ["span"],
        "synthetics": ["run", "step"],
    ]
}
