import Testing

@testable import Pipeline

@Suite("Suggest")
struct SuggestTests {
    @Test(
        "edit distance is Levenshtein's",
        arguments: [
            ("kitten", "sitting", 3), ("", "abc", 3), ("abc", "", 3), ("same", "same", 0), ("flaw", "lawn", 2),
            ("open_pr", "open_prs", 1), ("é", "e", 1),
        ])
    func editDistance(a: String, b: String, distance: Int) {
        #expect(Suggest.editDistance(a, b) == distance)
        #expect(Suggest.editDistance(b, a) == distance)
    }

    @Test("suggests the closest candidate, ignoring case")
    func closest() {
        #expect(Suggest.closest(to: "open_pr", among: ["merged_prs", "open_prs", "branches"]) == "open_prs")
        #expect(Suggest.closest(to: "COUNT", among: ["sum", "count"]) == "count")
        #expect(Suggest.closest(to: "stage", among: ["name", "description", "tags", "stages"]) == "stages")
    }

    @Test("prefers the nearest of several close candidates")
    func nearest() {
        // "meen": min is 2 edits away, max 3, mean 1.
        #expect(Suggest.closest(to: "meen", among: ["min", "max", "mean"]) == "mean")
    }

    @Test("suggests nothing when no candidate is close")
    func nothingClose() {
        #expect(Suggest.closest(to: "percentile", among: ["count", "sum", "stdout"]) == nil)
        #expect(Suggest.closest(to: "x", among: [String]()) == nil)
    }

    @Test("allows more edits for longer words (a third of the length)")
    func scalesWithLength() {
        // 3 edits: too many for a 6-letter word (limit 2), fine for a 9-letter one (limit 3).
        #expect(Suggest.closest(to: "abcxyz", among: ["abcdef"]) == nil)
        #expect(Suggest.closest(to: "abcdefxyz", among: ["abcdefghi"]) == "abcdefghi")
    }
}
