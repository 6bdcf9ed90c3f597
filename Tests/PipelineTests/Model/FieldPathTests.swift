import Testing

@testable import Pipeline

@Suite("FieldPath")
struct FieldPathTests {
    let commit: JSON = [
        "sha": "abc123",
        "author": nil,
        "commit": ["author": ["email": "dev@example.com", "name": "Dev"], "message": "Fix it"],
        "files": [["filename": "a.swift", "changes": 3], ["filename": "b.swift", "changes": 0], ["changes": 1]],
        "labels": [["name": "bug"], ["name": "urgent"]],
        "stats": ["additions": 10, "deletions": 2],
    ]

    private func path(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> FieldPath {
        try #require(FieldPath(text), sourceLocation: sourceLocation)
    }

    @Test("follows nested objects")
    func nested() throws {
        #expect(try path("commit.author.email").value(in: commit) == "dev@example.com")
        #expect(try path("stats.additions").value(in: commit) == 10)
        #expect(try path("sha").values(in: commit) == ["abc123"])
    }

    @Test("a name that meets an array applies to every element; elements without it are skipped")
    func arraysFlattened() throws {
        #expect(try path("files.filename").values(in: commit) == ["a.swift", "b.swift"])
        #expect(try path("files.changes").values(in: commit) == [3, 0, 1])
        #expect(try path("labels.name").values(in: commit) == ["bug", "urgent"])
    }

    @Test("a path that ends on an array yields its elements")
    func endsOnArray() throws {
        let record: JSON = ["tags": ["a", "b"], "empty": []]
        #expect(try path("tags").values(in: record) == ["a", "b"])
        #expect(try path("empty").values(in: record) == [])
    }

    @Test("a numeric segment indexes into an array")
    func numericIndex() throws {
        #expect(try path("labels.1.name").value(in: commit) == "urgent")
        #expect(try path("labels.1.name").values(in: commit) == ["urgent"])
        #expect(try path("labels.0").value(in: commit) == ["name": "bug"])
        #expect(try path("labels.5.name").value(in: commit) == nil)
        #expect(try path("labels.5.name").values(in: commit) == [])
        #expect(try path("labels.-1.name").value(in: commit) == nil)
    }

    @Test("alternatives: the first that reaches a non-null value wins (author is null here)")
    func alternatives() throws {
        let identity = try path("author.login|commit.author.email")
        #expect(identity.value(in: commit) == "dev@example.com")
        #expect(identity.values(in: commit) == ["dev@example.com"])

        var linked = commit
        if case .object(var object) = linked {
            object["author"] = ["login": "octocat"]
            linked = .object(object)
        }
        #expect(identity.value(in: linked) == "octocat")
        #expect(identity.values(in: linked) == ["octocat"])
        #expect(identity.alternatives == [["author", "login"], ["commit", "author", "email"]])
    }

    @Test("a path that reaches nothing, or only null, gives nothing")
    func missing() throws {
        #expect(try path("nope").value(in: commit) == nil)
        #expect(try path("author").value(in: commit) == nil, "null counts as missing")
        #expect(try path("author").values(in: commit) == [])
        #expect(try path("sha.length").value(in: commit) == nil, "a string has no fields")
        #expect(try path("a|b").value(in: commit) == nil)
        #expect(try path("x").value(in: "not an object") == nil)
    }

    @Test(
        "rejects empty segments and empty alternatives", arguments: ["", ".", "a.", ".a", "a..b", "a|", "|a", "a||b"])
    func invalid(text: String) {
        #expect(FieldPath(text) == nil, "\"\(text)\" should not be a field path")
    }

    @Test("describes itself as written")
    func description() throws {
        #expect(try path("author.login|commit.author.email").description == "author.login|commit.author.email")
    }
}
