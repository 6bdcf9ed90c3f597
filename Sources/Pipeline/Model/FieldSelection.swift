/// The parts of a record that later stages read, so a source can drop the rest while parsing.
///
/// A run record from GitHub's API is ~20 KB of JSON, of which the metrics read a handful of
/// fields; keeping only those cuts a run's memory by half and its parse time too. The engine
/// derives each source's selection from the fields its downstream stages declare they read
/// (`FieldsRead`, part of each `StageKind`).
public indirect enum FieldSelection: Sendable, Hashable {
    /// The whole value.
    case all
    /// Only these keys of an object (applied to each element when the value is an array).
    case keys([String: FieldSelection])

    public static let none = FieldSelection.keys([:])

    /// The selection that keeps what `paths` reach (every alternative of each).
    public init(_ paths: [FieldPath]) {
        var selection = FieldSelection.none
        for path in paths {
            for alternative in path.alternatives { selection = selection.union(FieldSelection(segments: alternative[...])) }
        }
        self = selection
    }

    init(segments: ArraySlice<String>) {
        // A numeric segment indexes an array: keep the whole array rather than guess.
        guard let first = segments.first, Int(first) == nil else {
            self = .all
            return
        }
        self = .keys([first: FieldSelection(segments: segments.dropFirst())])
    }

    public func union(_ other: FieldSelection) -> FieldSelection {
        switch (self, other) {
        case (.all, _), (_, .all): return .all
        case (.keys(let a), .keys(let b)): return .keys(a.merging(b) { $0.union($1) })
        }
    }

    /// What to keep of the value under `key`, or nil to skip it.
    public func child(_ key: String) -> FieldSelection? {
        switch self {
        case .all: return .all
        case .keys(let keys): return keys[key]
        }
    }

    /// The selection for a record nested under `key` of a wrapper object (`workflow_runs`).
    public func nested(under key: String) -> FieldSelection { .keys([key: self]) }

    /// The selection as text, the same for equal selections (keys sorted): `*` for the whole
    /// value, `{"key":…,…}` for some keys. Keys a stored answer by what it kept.
    public var canonicalText: String {
        switch self {
        case .all: return "*"
        case .keys(let keys):
            let members = keys.sorted { $0.key < $1.key }.map { key, child in
                var member = ""
                JSON.writeString(key, to: &member)
                return member + ":" + child.canonicalText
            }
            return "{" + members.joined(separator: ",") + "}"
        }
    }

    /// Applies the selection to an already parsed value.
    public func apply(to value: JSON) -> JSON {
        switch (self, value) {
        case (.all, _): return value
        case (.keys, .array(let elements)): return .array(elements.map(apply(to:)))
        case (.keys(let keys), .object(let object)):
            return .object(
                JSONObject(object.pairs.compactMap { pair in keys[pair.key].map { (pair.key, $0.apply(to: pair.value)) } }))
        default: return value
        }
    }
}

/// What a stage reads of its input records, declared by its `StageKind`.
///
/// The engine tells sources what to keep from it (`FieldSelection`). A stage that passes its
/// input records on (filter, window) needs, besides its own fields, whatever its consumers need;
/// the engine adds that.
public enum FieldsRead: Sendable, Hashable {
    /// Every field: its inputs keep whole records.
    case everything
    /// Only these fields.
    case fields([FieldPath])
}
