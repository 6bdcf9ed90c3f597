import Testing

@testable import Pipeline

@Suite("Tags")
struct TagsTests {
    @Test(
        "normalises to Datadog's tag rules",
        arguments: [
            ("env:Prod", "env:prod"),
            ("repo:Owner/Name", "repo:owner/name"),
            ("team:Platform Eng", "team:platform_eng"),
            ("version:1.2.3-beta", "version:1.2.3-beta"),
            ("a!!b??c", "a_b_c"),
            ("a___b", "a_b"),
            ("a _ b", "a_b"),
            ("1abc", "abc"),
            ("_x", "x"),
            ("::x:y", "x:y"),
            ("name:trailing!!", "name:trailing"),
            ("café:Ünïcode", "café:ünïcode"),
            ("", ""),
            ("123", ""),
        ])
    func normalize(tag: String, expected: String) {
        #expect(Tags.normalize(tag) == expected)
    }

    @Test("truncates to 200 characters")
    func truncates() {
        let long = "k:" + String(repeating: "v", count: 300)
        let normalized = Tags.normalize(long)
        #expect(normalized.count == 200)
        #expect(normalized == String(("k:" + String(repeating: "v", count: 198))))
    }

    @Test("normalising twice changes nothing")
    func idempotent() {
        for tag in ["Team:Platform Eng", "a!!b", "1:x", "repo:Owner/Name", "__x__"] {
            let once = Tags.normalize(tag)
            #expect(Tags.normalize(once) == once)
        }
    }

    @Test("builds key:value tags in order, skipping empty values")
    func fromPairs() {
        let tags = Tags.from([("service", "GitHub Collector"), ("env", ""), ("repo", "Apple/Swift")])
        #expect(tags == ["service:github_collector", "repo:apple/swift"])
    }
}
