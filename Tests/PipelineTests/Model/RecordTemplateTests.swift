import Testing

@testable import Pipeline

@Suite("RecordTemplate")
struct RecordTemplateTests {
    let repository: JSON = [
        "default_branch": "main", "url": "https://api.example.com/repos/o/r", "id": 42, "fork": false,
        "owner": ["login": "octocat"], "topics": ["a", "b"], "ratio": 0.5, "nothing": nil,
    ]

    private func template(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> RecordTemplate {
        try #require(RecordTemplate(text), sourceLocation: sourceLocation)
    }

    @Test("replaces each {field} with the record's value")
    func render() throws {
        #expect(try template("{default_branch}").render(repository) == "main")
        #expect(
            try template("{url}/pulls?state=all").render(repository)
                == "https://api.example.com/repos/o/r/pulls?state=all")
        #expect(try template("{owner.login}@{default_branch}:{id}").render(repository) == "octocat@main:42")
    }

    @Test("renders numbers without a fraction, booleans as words and other values as JSON")
    func nonStrings() throws {
        #expect(try template("{id}").render(repository) == "42")
        #expect(try template("{ratio}").render(repository) == "0.5")
        #expect(try template("{fork}").render(repository) == "false")
        #expect(try template("{topics}").render(repository) == #"["a","b"]"#)
    }

    @Test("a missing or null field is an error naming the field and the template")
    func missingField() throws {
        let tmpl = try template("{url}/commits/{sha}")
        #expect(throws: RecordTemplate.MissingField.self) { try tmpl.render(repository) }
        do {
            _ = try tmpl.render(repository)
        } catch {
            #expect(error.field == "sha")
            #expect(error.description == #"the input record has no field "sha" for the template "{url}/commits/{sha}""#)
        }
        #expect(throws: RecordTemplate.MissingField.self) { try template("{nothing}").render(repository) }
        #expect(throws: RecordTemplate.MissingField.self) { try template("{id}").render(nil) }
    }

    @Test("a template without fields is constant and renders without a record")
    func constant() throws {
        let tmpl = try template("https://example.com/x}")
        #expect(tmpl.isConstant)
        #expect(try tmpl.render(nil) == "https://example.com/x}")
        #expect(try !template("a{b}").isConstant)
        #expect(try template("").render(nil) == "")
    }

    @Test(
        "rejects unclosed braces and empty or malformed field paths", arguments: ["{url", "x{", "{}", "{a..b}", "{a|}"])
    func invalid(text: String) {
        #expect(RecordTemplate(text) == nil, "\"\(text)\" should not be a template")
    }

    @Test("decodes from options, reporting a bad template at its path")
    func decodes() throws {
        struct Options: Decodable { var url: RecordTemplate }
        let options = try OptionsDecoder.decode(Options.self, from: ["url": "{url}/pulls"])
        #expect(try options.url.render(repository) == "https://api.example.com/repos/o/r/pulls")
        #expect(options.url.description == "{url}/pulls")

        do {
            _ = try OptionsDecoder.decode(Options.self, from: ["url": "{url"], path: ["stages", "prs"])
            Issue.record("a bad template decoded")
        } catch let failure as OptionsDecoder.Failure {
            #expect(failure.path == ["stages", "prs", "url"])
            #expect(failure.message.contains("\"{url\" is not a template"))
        }
    }
}
