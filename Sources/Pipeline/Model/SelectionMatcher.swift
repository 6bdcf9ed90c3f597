/// A `FieldSelection` made ready for matching names as bytes, without building strings: a page
/// has thousands of keys (or element names), and a lookup by `String` cost more than reading the
/// page. Shared by the filters that reduce a body as it arrives (`JSONSelectionFilter`,
/// `XMLSelectionFilter`).
final class SelectionMatcher: Sendable {
    let keepsAll: Bool
    let keys: [(name: [UInt8], child: SelectionMatcher)]

    static let all = SelectionMatcher(keepsAll: true, keys: [])

    private init(keepsAll: Bool, keys: [(name: [UInt8], child: SelectionMatcher)]) {
        self.keepsAll = keepsAll
        self.keys = keys
    }

    convenience init(_ selection: FieldSelection) {
        switch selection {
        case .all: self.init(keepsAll: true, keys: [])
        case .keys(let keys):
            self.init(keepsAll: false, keys: keys.map { (Array($0.key.utf8), SelectionMatcher($0.value)) })
        }
    }

    /// What the value under the name `name` (its UTF-8) keeps; nil to drop it.
    func child(_ name: UnsafeRawBufferPointer) -> SelectionMatcher? {
        if keepsAll { return self }
        for key in keys where key.name.count == name.count {
            var index = 0
            while index < name.count, key.name[index] == name[index] { index += 1 }
            if index == name.count { return key.child }
        }
        return nil
    }
}
