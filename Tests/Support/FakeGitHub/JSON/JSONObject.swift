import Foundation

/// Response bodies are built as Foundation property lists and serialised with JSONSerialization,
/// independently of the engine's JSON code. Keys are sorted so bodies (and ETags) are identical
/// from run to run.
typealias JSONObject = [String: Any]

enum JSONBody {
    static func encode(_ value: Any) -> [UInt8] {
        let data = try! JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes])
        return [UInt8](data)
    }

    /// `null` in a property list.
    static var null: Any { NSNull() }

    static func optional(_ value: Any?) -> Any { value ?? NSNull() }

    static func date(_ date: Date?) -> Any { date.map(GitHubDate.format) ?? NSNull() }
}

/// A stable 64-bit FNV-1a hash, for ids and ETags derived from names and bodies.
func fnv1a(_ bytes: some Sequence<UInt8>) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in bytes {
        hash ^= UInt64(byte)
        hash &*= 0x100_0000_01B3
    }
    return hash
}
