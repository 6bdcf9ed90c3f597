/// Decodes a stage's options from the JSON of a pipeline file, strictly.
///
/// `Codable` ignores keys it does not know; a misspelt option would then silently fall back to
/// its default. This decoder records every key the options type asks for and reports the rest as
/// unknown, with the closest known key as a suggestion. Errors carry the JSON path.
public struct OptionsDecoder {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var path: [String]
        public var message: String

        public var description: String { Diagnostic(path: path, message: message).description }

        /// `path` is relative to the stage's options (`["per_page"]`); the loader prefixes the stage.
        public init(path: [String], message: String) {
            self.path = path
            self.message = message
        }
    }

    /// Decodes `type` from `value`; `path` is where `value` sits in the file, for messages.
    public static func decode<T: Decodable>(_ type: T.Type, from value: JSON, path: [String] = []) throws -> T {
        let recorder = KeyRecorder()
        let decoder = ValueDecoder(value: value, codingPath: [], recorder: recorder)
        let result: T
        do {
            result = try T(from: decoder)
        } catch {
            // A misspelt key explains a missing one better than "missing required option".
            if let unknown = recorder.firstUnknown(), let suggestion = Suggest.closest(to: unknown.key, among: unknown.known) {
                throw Failure(
                    path: path + unknown.path + [unknown.key],
                    message: "unknown option \(Diagnostic.quote(unknown.key)) (did you mean \"\(suggestion)\"?)")
            }
            if let failure = error as? Failure { throw Failure(path: path + failure.path, message: failure.message) }
            if let error = error as? DecodingError { throw translate(error, base: path) }
            throw error
        }
        if let unknown = recorder.firstUnknown() {
            let suggestion = Suggest.closest(to: unknown.key, among: unknown.known).map { " (did you mean \"\($0)\"?)" } ?? ""
            let known =
                unknown.known.isEmpty
                ? "this stage takes no options" : "known options: \(unknown.known.sorted().joined(separator: ", "))"
            throw Failure(
                path: path + unknown.path + [unknown.key],
                message: "unknown option \(Diagnostic.quote(unknown.key))\(suggestion); \(known)")
        }
        return result
    }

    /// The keys an options type reads, and which of them it requires, found by decoding an
    /// example: used by `pipeline list` and by "did you mean".
    public static func optionNames<T: Decodable>(of type: T.Type, example: JSON) -> [String] {
        let recorder = KeyRecorder()
        _ = try? T(from: ValueDecoder(value: example, codingPath: [], recorder: recorder))
        return recorder.topLevelRequested()
    }

    /// How an options type reads one of its options: the Swift types it decodes the value as, the
    /// schema they state (nil when one states none), and whether every read requires it.
    public struct OptionUse: Sendable, Equatable {
        public var name: String
        public var types: [String]
        public var schema: JSON?
        public var required: Bool

        public init(name: String, types: [String], schema: JSON?, required: Bool) {
            self.name = name
            self.types = types
            self.schema = schema
            self.required = required
        }
    }

    /// Every top-level option an options type reads, found by decoding each of `examples` (an
    /// example, and `{}` so that options read before a required one fails are asked too).
    public static func optionUses<T: Decodable>(of type: T.Type, examples: [JSON]) -> [OptionUse] {
        let recorder = KeyRecorder(recordsUses: true)
        for example in examples {
            _ = try? T(from: ValueDecoder(value: example, codingPath: [], recorder: recorder))
        }
        return recorder.topLevelUses()
    }

    static func translate(_ error: DecodingError, base: [String]) -> Failure {
        func names(_ path: [CodingKey]) -> [String] { path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue } }
        switch error {
        case .keyNotFound(let key, let context):
            return Failure(path: base + names(context.codingPath) + [key.stringValue], message: "missing required option")
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return Failure(path: base + names(context.codingPath), message: context.debugDescription)
        @unknown default:
            return Failure(path: base, message: "\(error)")
        }
    }
}

/// Remembers, per object visited, which keys the options type asked for.
final class KeyRecorder {
    struct Visit {
        var path: [String]
        var present: [String]
        var requested: Set<String> = []
    }
    /// How a key was read: as which types (with the schema each states), required or not.
    struct Use {
        var types: [(name: String, schema: JSON?)] = []
        var required = false
        var optional = false
    }
    private var visits: [String: Visit] = [:]
    private var order: [String] = []
    private var uses: [String: [String: Use]] = [:]
    /// Whether `use` records how keys are read (for `pipeline schema`). Naming a type and
    /// finding its schema takes the runtime's conformance scans: a run's decoding skips them.
    private let recordsUses: Bool

    init(recordsUses: Bool = false) { self.recordsUses = recordsUses }

    func visit(_ path: [String], present: [String]) {
        let id = path.joined(separator: "\u{1}")
        if visits[id] == nil {
            visits[id] = Visit(path: path, present: present)
            order.append(id)
        }
    }

    func request(_ key: String, at path: [String]) {
        visits[path.joined(separator: "\u{1}")]?.requested.insert(key)
    }

    /// Records that `key` was read as `type`: required (`decode`), optional (`decodeIfPresent`), or
    /// only tested for (`contains`, no type).
    func use<T>(_ key: String, as type: T.Type?, at path: [String], required: Bool) {
        guard recordsUses else { return }
        var use = uses[path.joined(separator: "\u{1}"), default: [:]][key] ?? Use()
        if let type {
            let name = String(describing: type)
            if !use.types.contains(where: { $0.name == name }) { use.types.append((name, OptionSchema.of(type))) }
        }
        if required { use.required = true } else { use.optional = true }
        uses[path.joined(separator: "\u{1}"), default: [:]][key] = use
    }

    func topLevelUses() -> [OptionsDecoder.OptionUse] {
        (uses[""] ?? [:]).sorted { $0.key < $1.key }.map { key, use in
            let schemas = use.types.map(\.schema)
            var schema: JSON?
            if schemas.isEmpty || schemas.contains(where: { $0 == nil }) {
                schema = nil
            } else if schemas.contains(where: { $0 == [:] }) {
                schema = [:]  // read as raw JSON too: the stage takes any value and checks it itself
            } else {
                var distinct: [JSON] = []
                for case let schema? in schemas where !distinct.contains(schema) { distinct.append(schema) }
                schema = distinct.count == 1 ? distinct[0] : ["anyOf": .array(distinct)]
            }
            return OptionsDecoder.OptionUse(
                name: key, types: use.types.map(\.name), schema: schema, required: use.required && !use.optional)
        }
    }

    func firstUnknown() -> (path: [String], key: String, known: [String])? {
        for id in order {
            guard let visit = visits[id] else { continue }
            if let key = visit.present.first(where: { !visit.requested.contains($0) }) {
                return (visit.path, key, Array(visit.requested))
            }
        }
        return nil
    }

    func topLevelRequested() -> [String] {
        Array(visits[""]?.requested ?? []).sorted()
    }
}

private struct PathKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init(intValue: Int) {
        self.stringValue = "[\(intValue)]"
        self.intValue = intValue
    }
}

private func pathNames(_ path: [CodingKey]) -> [String] { path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue } }

private func mismatch(_ expected: String, _ value: JSON, _ path: [CodingKey]) -> OptionsDecoder.Failure {
    OptionsDecoder.Failure(path: pathNames(path), message: "expected \(expected), found \(value.kindName)")
}

private struct ValueDecoder: Decoder {
    let value: JSON
    let codingPath: [CodingKey]
    let recorder: KeyRecorder
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let object) = value else { throw mismatch("an object", value, codingPath) }
        recorder.visit(pathNames(codingPath), present: object.keys)
        return KeyedDecodingContainer(Keyed<Key>(object: object, codingPath: codingPath, recorder: recorder))
    }

    func unkeyedContainer() throws -> UnkeyedDecodingContainer {
        guard case .array(let elements) = value else { throw mismatch("an array", value, codingPath) }
        return Unkeyed(elements: elements, codingPath: codingPath, recorder: recorder)
    }

    func singleValueContainer() throws -> SingleValueDecodingContainer {
        Single(value: value, codingPath: codingPath, recorder: recorder)
    }
}

private func decodeValue<T: Decodable>(_ type: T.Type, _ value: JSON, _ path: [CodingKey], _ recorder: KeyRecorder) throws -> T {
    if T.self == JSON.self { return value as! T }
    return try T(from: ValueDecoder(value: value, codingPath: path, recorder: recorder))
}

private struct Single: SingleValueDecodingContainer {
    let value: JSON
    let codingPath: [CodingKey]
    let recorder: KeyRecorder

    func decodeNil() -> Bool { value.isNull }
    // A `${VARIABLE}` always gives a string: where an option needs a boolean or a number, the
    // strings "true", "false" and JSON numbers are read as such ("ten" is still an error).
    func decode(_ type: Bool.Type) throws -> Bool {
        switch value {
        case .bool(let b): return b
        case .string("true"): return true
        case .string("false"): return false
        default: throw mismatch("true or false", value, codingPath)
        }
    }
    func decode(_ type: String.Type) throws -> String {
        guard case .string(let s) = value else { throw mismatch("a string", value, codingPath) }
        return s
    }
    func decode(_ type: Double.Type) throws -> Double {
        var number: Double?
        if case .number(let n) = value { number = n }
        if case .string(let text) = value, case .number(let n)? = try? JSONParser.parse(text) { number = n }
        guard let number else { throw mismatch("a number", value, codingPath) }
        // The parser reads 1e999 as infinity: not a value any option can mean.
        guard number.isFinite else {
            throw OptionsDecoder.Failure(
                path: pathNames(codingPath), message: "a number beyond the range of a double (±1.8e308, such as 1e999)")
        }
        return number
    }
    func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }
    func decode(_ type: Int.Type) throws -> Int {
        let n = try decode(Double.self)
        guard n == n.rounded(), abs(n) < 9e15 else {
            throw OptionsDecoder.Failure(path: pathNames(codingPath), message: "expected a whole number, found \(n)")
        }
        return Int(n)
    }
    func decode(_ type: Int8.Type) throws -> Int8 { Int8(clamping: try decode(Int.self)) }
    func decode(_ type: Int16.Type) throws -> Int16 { Int16(clamping: try decode(Int.self)) }
    func decode(_ type: Int32.Type) throws -> Int32 { Int32(clamping: try decode(Int.self)) }
    func decode(_ type: Int64.Type) throws -> Int64 { Int64(try decode(Int.self)) }
    func decode(_ type: UInt.Type) throws -> UInt { UInt(clamping: try decode(Int.self)) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { UInt8(clamping: try decode(Int.self)) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { UInt16(clamping: try decode(Int.self)) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { UInt32(clamping: try decode(Int.self)) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { UInt64(clamping: try decode(Int.self)) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decodeValue(type, value, codingPath, recorder) }
}

private struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let object: JSONObject
    let codingPath: [CodingKey]
    let recorder: KeyRecorder

    var allKeys: [Key] { object.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool {
        recorder.request(key.stringValue, at: pathNames(codingPath))
        recorder.use(key.stringValue, as: nil as Never.Type?, at: pathNames(codingPath), required: false)
        return object[key.stringValue] != nil
    }

    private func child(_ key: Key) throws -> JSON {
        recorder.request(key.stringValue, at: pathNames(codingPath))
        guard let value = object[key.stringValue] else {
            throw OptionsDecoder.Failure(path: pathNames(codingPath + [key]), message: "missing required option")
        }
        return value
    }

    func decodeNil(forKey key: Key) throws -> Bool { (try? child(key))?.isNull ?? true }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        recorder.use(key.stringValue, as: type, at: pathNames(codingPath), required: true)
        let value = try child(key)
        if value.isNull, T.self != JSON.self {
            throw OptionsDecoder.Failure(path: pathNames(codingPath + [key]), message: "must not be null")
        }
        return try decodeValue(type, value, codingPath + [key], recorder)
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        recorder.request(key.stringValue, at: pathNames(codingPath))
        recorder.use(key.stringValue, as: type, at: pathNames(codingPath), required: false)
        guard let value = object[key.stringValue], !value.isNull else { return nil }
        return try decodeValue(type, value, codingPath + [key], recorder)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try ValueDecoder(value: try child(key), codingPath: codingPath + [key], recorder: recorder).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> UnkeyedDecodingContainer {
        try ValueDecoder(value: try child(key), codingPath: codingPath + [key], recorder: recorder).unkeyedContainer()
    }

    func superDecoder() throws -> Decoder { ValueDecoder(value: .object(object), codingPath: codingPath, recorder: recorder) }
    func superDecoder(forKey key: Key) throws -> Decoder {
        ValueDecoder(value: try child(key), codingPath: codingPath + [key], recorder: recorder)
    }
}

private struct Unkeyed: UnkeyedDecodingContainer {
    let elements: [JSON]
    let codingPath: [CodingKey]
    let recorder: KeyRecorder
    var currentIndex = 0

    init(elements: [JSON], codingPath: [CodingKey], recorder: KeyRecorder) {
        self.elements = elements
        self.codingPath = codingPath
        self.recorder = recorder
    }

    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    private mutating func next() throws -> (JSON, [CodingKey]) {
        guard !isAtEnd else {
            throw OptionsDecoder.Failure(path: pathNames(codingPath), message: "array has too few elements")
        }
        defer { currentIndex += 1 }
        return (elements[currentIndex], codingPath + [PathKey(intValue: currentIndex)])
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, elements[currentIndex].isNull else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let (value, path) = try next()
        return try decodeValue(type, value, path, recorder)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey>
    {
        let (value, path) = try next()
        return try ValueDecoder(value: value, codingPath: path, recorder: recorder).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> UnkeyedDecodingContainer {
        let (value, path) = try next()
        return try ValueDecoder(value: value, codingPath: path, recorder: recorder).unkeyedContainer()
    }

    mutating func superDecoder() throws -> Decoder {
        let (value, path) = try next()
        return ValueDecoder(value: value, codingPath: path, recorder: recorder)
    }
}

extension JSON: Decodable {
    /// Only `OptionsDecoder` produces raw JSON values (it hands them over as they are); other
    /// decoders are not supported.
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
            return
        }
        if let b = try? container.decode(Bool.self) {
            self = .bool(b)
            return
        }
        if let n = try? container.decode(Double.self) {
            self = .number(n)
            return
        }
        if let s = try? container.decode(String.self) {
            self = .string(s)
            return
        }
        if let a = try? container.decode([JSON].self) {
            self = .array(a)
            return
        }
        throw DecodingError.dataCorruptedError(in: container, debugDescription: "unsupported JSON value")
    }
}

extension TimeSpan: Decodable {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let span = TimeSpan(text) else {
            throw OptionsDecoder.Failure(
                path: pathNames(decoder.codingPath),
                message: "\(Diagnostic.quote(text)) is not a time span; write e.g. 7d, 12h, 30m, 90s")
        }
        self = span
    }
}

extension FieldPath: Decodable {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let path = FieldPath(text) else {
            throw OptionsDecoder.Failure(
                path: pathNames(decoder.codingPath),
                message:
                    "\(Diagnostic.quote(text)) is not a field path; write e.g. commit.author.email or author.login|commit.author.email"
            )
        }
        self = path
    }
}
