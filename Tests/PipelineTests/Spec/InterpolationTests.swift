import Testing

@testable import Pipeline

@Suite("Interpolation")
struct InterpolationTests {
    let variables = Variables(
        overrides: ["TOKEN": "from-var"],
        environment: ["REPO": "apple/swift", "TOKEN": "from-env", "EMPTY": "", "B": "bee", "PORT": "8080"])

    private func expand(_ text: String) throws(Interpolation.Failure) -> String {
        try Interpolation.expand(text, variables: variables)
    }

    private func failure(_ text: String) -> String? {
        do {
            _ = try expand(text)
            return nil
        } catch {
            return error.message
        }
    }

    @Test("replaces ${NAME} with the variable's value, anywhere in the string")
    func plain() throws {
        #expect(try expand("${REPO}") == "apple/swift")
        #expect(try expand("repo:${REPO} on :${PORT}/x") == "repo:apple/swift on :8080/x")
        #expect(try expand("${REPO}${PORT}") == "apple/swift8080")
        #expect(try expand("${EMPTY}") == "", "set but empty is a value")
    }

    @Test("leaves strings without references untouched, including a lone $")
    func noReferences() throws {
        #expect(try expand("plain text") == "plain text")
        #expect(try expand("costs $5") == "costs $5")
        #expect(try expand("ends with $") == "ends with $")
        #expect(try expand("$REPO") == "$REPO", "only the braced form is a reference")
    }

    @Test("$$ writes a literal $, also before a brace")
    func dollarEscape() throws {
        #expect(try expand("$$") == "$")
        #expect(try expand("$${REPO}") == "${REPO}")
        #expect(try expand("$$$${REPO}") == "$${REPO}")
        #expect(try expand("$$${REPO}") == "$apple/swift")
    }

    @Test("${NAME:-default} uses the default when the variable is unset or empty")
    func defaults() throws {
        #expect(try expand("${MISSING:-fallback}") == "fallback")
        #expect(try expand("${EMPTY:-fallback}") == "fallback")
        #expect(try expand("${REPO:-fallback}") == "apple/swift")
        #expect(try expand("${MISSING:-}") == "")
        #expect(try expand("${MISSING:-a b:c}") == "a b:c")
    }

    @Test("a default may itself reference variables, nested")
    func nestedDefaults() throws {
        #expect(try expand("${A:-${B}}") == "bee")
        #expect(try expand("${A:-x-${B}-y}") == "x-bee-y")
        #expect(try expand("${A:-${C:-${B}}}") == "bee")
        #expect(try expand("${REPO:-${MISSING}}") == "apple/swift", "the default is not evaluated when unused")
        #expect(failure("${A:-${C}}") == "variable C is not set; set it, pass --var C=VALUE, or write ${C:-default}")
    }

    @Test("${NAME:?message} fails with the message when the variable is unset or empty")
    func required() throws {
        #expect(try expand("${REPO:?set GITHUB_REPOSITORY}") == "apple/swift")
        #expect(failure("${MISSING:?set it in the CronJob}") == "variable MISSING is required: set it in the CronJob")
        #expect(failure("${EMPTY:?must not be empty}") == "variable EMPTY is required: must not be empty")
        #expect(failure("${MISSING:?}") == "variable MISSING is required")
    }

    @Test("an unset variable without a default is an error that says how to set it")
    func unset() {
        #expect(
            failure("x ${MISSING} y")
                == "variable MISSING is not set; set it, pass --var MISSING=VALUE, or write ${MISSING:-default}")
    }

    @Test("--var overrides win over the environment")
    func overridesWin() throws {
        #expect(try expand("${TOKEN}") == "from-var")
        #expect(variables["TOKEN"] == "from-var")
        #expect(variables["REPO"] == "apple/swift")
        #expect(variables["NOPE"] == nil)
        let emptyOverride = Variables(overrides: ["REPO": ""], environment: ["REPO": "apple/swift"])
        #expect(try Interpolation.expand("${REPO:-dflt}", variables: emptyOverride) == "dflt")
    }

    @Test("names may hold letters, digits and _, and start with a letter or _")
    func names() throws {
        let vars = Variables(environment: ["_X": "1", "a1_B2": "2"])
        #expect(try Interpolation.expand("${_X}${a1_B2}", variables: vars) == "12")
    }

    @Test("an unclosed reference is an error that shows the accepted forms")
    func unclosed() {
        let message = failure("prefix ${REPO")
        #expect(message?.hasPrefix(#"unclosed "${" in "prefix ${REPO""#) == true)
        #expect(message?.contains("${NAME:-default}") == true)
        #expect(message?.contains("$$ for a literal $") == true)
        #expect(failure("${A:-${B}") != nil, "nested, one brace short")
    }

    @Test(
        "an empty name or one starting with a digit is rejected",
        arguments: ["${}", "${1ABC}", "${:-x}", "${-x}", "${ REPO}"])
    func badNames(text: String) throws {
        let message = try #require(failure(text))
        #expect(message.contains("is not a valid variable reference"))
        #expect(message.contains("not starting with a digit"))
        #expect(message.contains(text), "the message quotes the reference")
    }

    @Test(
        "an unknown operator is rejected with the forms to use",
        arguments: [
            ("${REPO:x}", "REPO"), ("${REPO-x}", "REPO"), ("${REPO:=x}", "REPO"), ("${REPO.x}", "REPO"),
            ("${REPO }", "REPO"),
        ])
    func badOperators(text: String, name: String) throws {
        let message = try #require(failure(text))
        #expect(
            message
                == "\"\(text)\" is not a valid variable reference; write ${\(name)}, ${\(name):-default} or ${\(name):?message}"
        )
    }

    @Test("resolve expands every string of a document and reports faults at their JSON path")
    func resolveWithPaths() {
        let document: JSON = [
            "name": "${MISSING:-github}",
            "tags": ["repo": "${REPO}", "count": 3, "flag": true, "nothing": nil],
            "stages": ["prs": ["type": "x", "inputs": ["${BAD", "ok"], "token": "${TOKEN_UNSET}"]],
        ]
        var diagnostics: [Diagnostic] = []
        let resolved = Interpolation.resolve(document, variables: variables, path: [], diagnostics: &diagnostics)
        #expect(resolved["name"] == "github")
        #expect(resolved["tags"] == ["repo": "apple/swift", "count": 3, "flag": true, "nothing": nil])
        #expect(resolved["stages"]?["prs"]?["inputs"] == ["${BAD", "ok"], "a faulty string is kept as it was")
        #expect(diagnostics.map(\.path) == ["stages.prs.inputs[0]", "stages.prs.token"])
        #expect(diagnostics.last?.message.hasPrefix("variable TOKEN_UNSET is not set") == true)
        #expect(diagnostics.first?.description.hasPrefix(#"stages.prs.inputs[0]: unclosed "${""#) == true)
    }

    @Test("resolve leaves object keys alone and keeps their order")
    func keysUntouched() {
        let document: JSON = ["${REPO}": "${REPO}", "a": "b"]
        var diagnostics: [Diagnostic] = []
        let resolved = Interpolation.resolve(document, variables: variables, path: ["root"], diagnostics: &diagnostics)
        #expect(resolved.object?.keys == ["${REPO}", "a"])
        #expect(resolved["${REPO}"] == "apple/swift")
        #expect(diagnostics.isEmpty)
    }
}
