/// "Did you mean …?": the closest candidate by edit distance, when it is close enough to help.
public enum Suggest {
    /// Names are short: nothing is suggested for a word longer than this (comparing two 1 MB
    /// strings would take hours).
    static let longestWord = 64

    public static func closest(to word: String, among candidates: some Sequence<String>) -> String? {
        guard word.utf8.count <= longestWord * 4, word.count <= longestWord else { return nil }
        let limit = max(2, word.count / 3)
        let lowered = word.lowercased()
        let length = lowered.unicodeScalars.count
        var best: (String, Int)?
        for candidate in candidates {
            // The distance is at least the difference in length: skip what cannot be close.
            guard candidate.utf8.count <= (length + limit) * 4 else { continue }
            let other = candidate.lowercased()
            guard abs(other.unicodeScalars.count - length) <= limit else { continue }
            let distance = editDistance(lowered, other)
            if distance <= limit, distance < (best?.1 ?? .max) { best = (candidate, distance) }
        }
        return best?.0
    }

    /// Levenshtein distance.
    public static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars)
        let b = Array(b.unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
