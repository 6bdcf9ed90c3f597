/// Datadog's metric unit names: the only values the series `unit` field may carry.
///
/// Taken from Datadog's units catalogue (`integration/system/units_catalog.csv`, which Datadog's
/// `ddev validate metadata` checks integrations against) and the "Metrics Units" page of the docs.
/// A point whose unit is not listed (`line`, `lines`, `seconds`, `ms`) is sent without one:
/// Datadog would reject or ignore it, and a graph without a unit is better than a failed request.
public enum DatadogUnits {
    /// Every unit name, exactly as Datadog spells it (some contain spaces: `garbage collection`).
    public static let all: Set<String> = Set(groups.flatMap { $0 })

    /// Whether `unit` is one of Datadog's unit names (case-sensitive, as Datadog is).
    public static func isUnit(_ unit: String) -> Bool { all.contains(unit) }

    static let groups: [[String]] = [
        // bytes and bits
        [
            "bit", "byte", "kibibyte", "mebibyte", "gibibyte", "tebibyte", "pebibyte", "exbibyte", "kilobyte",
            "megabyte", "gigabyte", "terabyte", "petabyte", "exabyte", "kilobit", "megabit", "gigabit", "terabit",
            "petabit", "exabit", "bit_in_bits_family", "byte_in_bits_family", "bit_in_decimal_bytes_family",
            "byte_in_decimal_bytes_family", "bit_in_binary_bytes_family", "byte_in_binary_bytes_family",
        ],
        // time
        [
            "nanosecond", "microsecond", "millisecond", "second", "minute", "hour", "day", "week", "unix second",
            "unix millisecond",
        ],
        // percentage
        ["percent_nano", "percent", "permille", "apdex", "fraction"],
        // network
        [
            "connection", "request", "packet", "segment", "response", "message", "payload", "timeout", "datagram",
            "route", "session", "hop",
        ],
        // system
        ["process", "thread", "host", "node", "fault", "service", "instance", "cpu"],
        // disk
        ["file", "inode", "sector", "block", "volume"],
        // general
        [
            "buffer", "error", "read", "write", "occurrence", "event", "time", "unit", "operation", "item", "task",
            "worker", "resource", "garbage collection", "email", "sample", "stage", "monitor", "location", "check",
            "attempt", "device", "update", "method", "job", "container", "execution", "throttle", "invocation",
            "user", "success", "build", "prediction", "exception", "view", "frame", "alert", "token", "collection",
            "entity", "vector",
        ],
        // databases
        [
            "table", "index", "lock", "transaction", "query", "row", "key", "command", "offset", "record", "object",
            "cursor", "assertion", "scan", "document", "shard", "flush", "merge", "refresh", "fetch", "column",
            "commit", "wait", "ticket", "question",
        ],
        // cache
        ["hit", "miss", "eviction", "get", "set"],
        // memory
        ["page", "split", "heap"],
        // frequency
        ["hertz", "kilohertz", "megahertz", "gigahertz"],
        // logging, APM, synthetics
        ["entry", "span", "run", "step"],
        // temperature
        ["decidegree celsius", "degree celsius", "degree fahrenheit"],
        // CPU
        [
            "nanocore", "microcore", "millicore", "core", "kilocore", "megacore", "gigacore", "teracore", "petacore",
            "exacore",
        ],
        // power, energy, current, potential
        [
            "nanowatt", "microwatt", "milliwatt", "deciwatt", "watt", "kilowatt", "megawatt", "gigawatt", "terawatt",
            "nanojoule", "millijoule", "joule", "kilojoule", "megajoule", "milliampere", "ampere", "millivolt", "volt",
        ],
        // money
        [
            "dollar", "cent", "microdollar", "nanodollar", "euro", "pound", "penny", "yen", "afghani", "lek",
            "algerian dinar", "kwanza", "east caribbean dollar", "argentine peso", "armenian dram", "aruban florin",
            "australian dollar", "azerbaijan manat", "bahamian dollar", "bahraini dinar", "taka", "barbados dollar",
            "belarusian ruble", "belize dollar", "cfa franc bceao", "bermudian dollar", "indian rupee", "ngultrum",
            "boliviano", "mvdol", "convertible mark", "pula", "norwegian krone", "brazilian real", "brunei dollar",
            "bulgarian lev", "burundi franc", "cabo verde escudo", "riel", "cfa franc beac", "canadian dollar",
            "cayman islands dollar", "chilean peso", "unidad de fomento", "yuan renminbi", "colombian peso",
            "unidad de valor real", "comorian franc", "congolese franc", "new zealand dollar", "costa rican colon",
            "cuban peso", "convertible peso", "netherlands antillean guilder", "czech koruna", "danish krone",
            "djibouti franc", "dominican peso", "egyptian pound", "el salvador colón", "nakfa", "lilangeni",
            "ethiopian birr", "falkland islands pound", "fiji dollar", "cfp franc", "dalasi", "lari", "ghana cedi",
            "gibraltar pound", "quetzal", "guinean franc", "guyana dollar", "gourde", "lempira", "hong kong dollar",
            "forint", "iceland króna", "rupiah", "iranian rial", "iraqi dinar", "new israeli sheqel",
            "jamaican dollar", "jordanian dinar", "tenge", "kenyan shilling", "north korean won", "won",
            "kuwaiti dinar", "som", "lao kip", "lebanese pound", "loti", "rand", "liberian dollar", "libyan dinar",
            "swiss franc", "pataca", "denar", "malagasy ariary", "malawi kwacha", "malaysian ringgit", "rufiyaa",
            "ouguiya", "mauritius rupee", "mexican peso", "mexican unidad de inversion (udi)", "moldovan leu",
            "tugrik", "moroccan dirham", "mozambique metical", "kyat", "namibia dollar", "nepalese rupee",
            "córdoba oro", "naira", "omani rial", "pakistan rupee", "balboa", "kina", "guaraní", "sol",
            "philippine peso", "złoty", "qatari rial", "romanian leu", "russian ruble", "rwanda franc",
            "saint helena pound", "tālā", "dobra", "saudi riyal", "serbian dinar", "seychelles rupee", "leone",
            "singapore dollar", "sucre", "solomon islands dollar", "somali shilling", "south sudanese pound",
            "sri lanka rupee", "sudanese pound", "surinam dollar", "swedish krona", "wir euro", "wir franc",
            "syrian pound", "new taiwan dollar", "somoni", "tanzanian shilling", "baht", "pa’anga",
            "trinidad and tobago dollar", "tunisian dinar", "turkish lira", "new turkmen manat", "uganda shilling",
            "hryvnia", "uae dirham", "us dollar (next day)", "peso uruguayo",
            "uruguayo peso en unidades indexadas (ui)", "unidad previsional", "uzbekistan sum", "vatu",
            "bolívar soberano", "bolívar digital", "đồng", "yemeni rial", "zambian kwacha", "zimbabwe gold",
        ],
    ]
}
