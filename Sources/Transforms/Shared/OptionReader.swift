import Pipeline

/// Reads one options object key by key, for the hand-written `init(from:)` of stage options.
///
/// Every key asked for (present or not) is recorded by `OptionsDecoder`, so unknown keys are
/// still rejected; semantic faults are reported at the key's path with `failure(_:_:)`.
struct OptionReader {
    let container: KeyedDecodingContainer<OptionKey>
    let codingPath: [any CodingKey]

    init(_ decoder: any Decoder) throws {
        self.container = try decoder.container(keyedBy: OptionKey.self)
        self.codingPath = decoder.codingPath
    }

    func required<T: Decodable>(_ key: String, as type: T.Type = T.self) throws -> T {
        try container.decode(T.self, forKey: OptionKey(key))
    }

    func optional<T: Decodable>(_ key: String, as type: T.Type = T.self) throws -> T? {
        try container.decodeIfPresent(T.self, forKey: OptionKey(key))
    }

    func has(_ key: String) -> Bool { container.contains(OptionKey(key)) }

    /// A fault in option `key` (or in the object itself when nil), shown as `stages.x.key: message`.
    func failure(_ key: String?, _ message: String) -> any Error {
        optionFailure(codingPath + (key.map { [OptionKey($0)] } ?? []), message)
    }

    /// The engine's "unknown option" fault for the first key not in `known`, raised early where a
    /// misspelt key would otherwise hide behind another fault ("a condition needs a test").
    func unknownKeyFailure(known: [String]) -> (any Error)? {
        guard let key = container.allKeys.map(\.stringValue).first(where: { !known.contains($0) }) else { return nil }
        let suggestion = Suggest.closest(to: key, among: known).map { " (did you mean \"\($0)\"?)" } ?? ""
        return failure(
            key, "unknown option \"\(key)\"\(suggestion); known options: \(known.sorted().joined(separator: ", "))")
    }

    func failure(_ keys: [String], _ message: String) -> any Error {
        optionFailure(codingPath + keys.map { OptionKey($0) }, message)
    }
}

/// A key of an options object, by name.
struct OptionKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(_ name: String) { self.stringValue = name }
    init(stringValue: String) { self.stringValue = stringValue }
    init(index: Int) {
        self.stringValue = "[\(index)]"
        self.intValue = index
    }
    init?(intValue: Int) { self.init(index: intValue) }
}

/// An option fault at `path` (relative to the stage's options; `OptionsDecoder` prefixes the
/// stage), shown as `stages.x.where[0].after: message`.
func optionFailure(_ path: [any CodingKey], _ message: String) -> any Error {
    OptionsDecoder.Failure(path: path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }, message: message)
}
