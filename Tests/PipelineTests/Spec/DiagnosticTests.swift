import Testing

@testable import Pipeline

@Suite("Diagnostic")
struct DiagnosticTests {
    @Test(
        "renders paths with dots between names and brackets for indices",
        arguments: [
            (["stages", "prs", "inputs", "[0]"], "stages.prs.inputs[0]"), ([], ""), (["name"], "name"),
            (["[2]"], "[2]"), (["rules", "[1]", "[0]", "name"], "rules[1][0].name"),
        ])
    func render(path: [String], expected: String) {
        #expect(Diagnostic.render(path) == expected)
        #expect(Diagnostic(path: path, message: "m").path == expected)
    }

    @Test("describes itself as path: message, or the message alone without a path")
    func description() {
        #expect(Diagnostic(path: "stages.a", message: "bad").description == "stages.a: bad")
        #expect(Diagnostic(path: "", message: "bad").description == "bad")
    }

    @Test("a file error prints one line per fault, each naming the file")
    func fileError() {
        let error = PipelineFileError(
            file: "github.json",
            diagnostics: [Diagnostic(path: "name", message: "missing"), Diagnostic(path: "", message: "x")])
        #expect(error.description == "github.json: name: missing\ngithub.json: x")
    }

    @Test("an empty key shows as \"\" in a path, so a fault under it still names a path")
    func emptyKey() {
        #expect(Diagnostic.render([""]) == "\"\"")
        #expect(Diagnostic.render(["stages", "", "type"]) == "stages.\"\".type")
    }

    @Test("a long quoted value in any message is cut to 80 characters and its size; one already cut stays as it is")
    func longQuotedValuesCut() {
        let big = String(repeating: "v", count: 1_000_000)
        let cut = "\"\(big.prefix(80))…\" (1000000 bytes)"
        #expect(Diagnostic(path: "a", message: "\"\(big)\" is not owner/name").message == "\(cut) is not owner/name")
        #expect(
            Diagnostic(path: "a", message: "\(Diagnostic.quote(big)) is not owner/name").message == "\(cut) is not owner/name")
        #expect(
            Diagnostic(path: "a", message: "unknown \"x\" and \"\(big)\"; see list").message
                == "unknown \"x\" and \(cut); see list")
        let unquoted = Diagnostic(path: "a", message: "found " + big).message
        #expect(unquoted.utf8.count < 1_100 && unquoted.hasSuffix("… (1000006 bytes)"))
    }
}
