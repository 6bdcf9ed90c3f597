/// Reads one options object key by key: the one way every stage's `Options` is decoded, in a
/// hand-written `init(from decoder:)` that maps each (snake_case) option to a camelCase property.
///
///     init(from decoder: any Decoder) throws {
///         let reader = try OptionReader(decoder)
///         repository = try reader.required("repository")
///         perPage = try reader.optional("per_page")
///     }
///
/// Every key asked for (present or not) is recorded by `OptionsDecoder`, so unknown keys are
/// still rejected and `OptionsDecoder.optionNames` lists every option read; semantic faults are
/// reported at the key's path with `failure(_:_:)`.
public struct OptionReader {
    /// The options object, keyed by option name.
    public let container: KeyedDecodingContainer<OptionKey>
    /// Where the options object sits, relative to the stage's options (empty at the top).
    public let codingPath: [any CodingKey]

    /// Opens `decoder`'s value as an options object (a fault if it is not an object).
    public init(_ decoder: any Decoder) throws {
        self.container = try decoder.container(keyedBy: OptionKey.self)
        self.codingPath = decoder.codingPath
    }

    /// The value of option `key`; "missing required option" when absent, "must not be null" when null.
    public func required<T: Decodable>(_ key: String, as type: T.Type = T.self) throws -> T {
        try container.decode(T.self, forKey: OptionKey(key))
    }

    /// The value of option `key`, or nil when absent or null. The key is still recorded as known.
    public func optional<T: Decodable>(_ key: String, as type: T.Type = T.self) throws -> T? {
        try container.decodeIfPresent(T.self, forKey: OptionKey(key))
    }

    /// Whether option `key` is present (recording it as known).
    public func has(_ key: String) -> Bool { container.contains(OptionKey(key)) }

    /// A fault in option `key` (or in the object itself when nil), shown as `stages.x.key: message`.
    public func failure(_ key: String?, _ message: String) -> any Error {
        optionFailure(codingPath + (key.map { [OptionKey($0)] } ?? []), message)
    }

    /// The engine's "unknown option" fault for the first key not in `known`, raised early where a
    /// misspelt key would otherwise hide behind another fault ("a condition needs a test").
    public func unknownKeyFailure(known: [String]) -> (any Error)? {
        guard let key = container.allKeys.map(\.stringValue).first(where: { !known.contains($0) }) else { return nil }
        let suggestion = Suggest.closest(to: key, among: known).map { " (did you mean \"\($0)\"?)" } ?? ""
        return failure(
            key, "unknown option \"\(key)\"\(suggestion); known options: \(known.sorted().joined(separator: ", "))")
    }

    /// A fault at a nested path below the object, e.g. `["tags", "[0]"]`.
    public func failure(_ keys: [String], _ message: String) -> any Error {
        optionFailure(codingPath + keys.map { OptionKey($0) }, message)
    }
}

/// A key of an options object, by name.
public struct OptionKey: CodingKey, Sendable {
    public var stringValue: String
    public var intValue: Int?
    /// The key named `name`.
    public init(_ name: String) { self.stringValue = name }
    public init(stringValue: String) { self.stringValue = stringValue }
    /// An array index, shown as `[index]` in paths.
    public init(index: Int) {
        self.stringValue = "[\(index)]"
        self.intValue = index
    }
    public init?(intValue: Int) { self.init(index: intValue) }
}

/// An option fault at `path` (relative to the stage's options; `OptionsDecoder` prefixes the
/// stage), shown as `stages.x.where[0].after: message`.
public func optionFailure(_ path: [any CodingKey], _ message: String) -> any Error {
    OptionsDecoder.Failure(path: path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }, message: message)
}
