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
}
