/// A pattern over an object's keys for `values(object, glob)`: `*` stands for any characters but
/// a dot, so `system.gpu.*.gpu` matches `system.gpu.0.gpu` and not `system.gpu.process.0.gpu`
/// (keys that hold dots, as W&B's system metrics do, are matched segment by segment).
struct KeyGlob: Sendable {
    let pattern: [Character]

    init(_ pattern: String) { self.pattern = Array(pattern) }

    func matches(_ key: String) -> Bool { Self.match(pattern[...], Array(key)[...]) }

    private static func match(_ pattern: ArraySlice<Character>, _ key: ArraySlice<Character>) -> Bool {
        guard let first = pattern.first else { return key.isEmpty }
        guard first == "*" else { return key.first == first && match(pattern.dropFirst(), key.dropFirst()) }
        // `*`: try every run of non-dot characters, the empty one included.
        var rest = key
        while true {
            if match(pattern.dropFirst(), rest) { return true }
            guard let next = rest.first, next != "." else { return false }
            rest = rest.dropFirst()
        }
    }
}
