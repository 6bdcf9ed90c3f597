import Foundation
import Testing

@testable import Pipeline

/// The validator on hostile input: keys defined twice, credentials in interpolated text, and
/// values too long to repeat. Each fault is one diagnostic with its path, never a trap.
@Suite("PipelineLoader on hostile input")
struct PipelineLoaderRobustnessTests {
    let kit = TestStages.Kit()

    private func diagnostics(
        _ text: String, loader: PipelineLoader? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) -> [Diagnostic] {
        do {
            _ = try (loader ?? kit.loader()).load(Array(text.utf8), file: "p.json")
            Issue.record("the file loaded, but it has a fault", sourceLocation: sourceLocation)
            return []
        } catch {
            return error.diagnostics
        }
    }

    private static func stage(_ name: String, inputs: [String]) -> PipelinePlan.Stage {
        PipelinePlan.Stage(
            name: name, kind: TestStages.pass, runtime: .batch(TestStages.PassTransform()), fieldsRead: .everything,
            inputs: inputs)
    }

    // MARK: Keys defined twice

    @Test("a stage defined twice is one fault at its path, not a crash")
    func stageDefinedTwice() throws {
        let text = """
            {"name": "demo", "stages": {
              "src": {"type": "records", "count": 3},
              "src": {"type": "records", "count": 4},
              "total": {"type": "count", "inputs": ["src"], "metric": "demo.total"},
              "out": {"type": "record", "inputs": ["total"]}
            }}
            """
        let found = diagnostics(text)
        #expect(found.map(\.path) == ["stages.src"])
        #expect(found.first?.message.hasPrefix("defined twice") == true, "\(found)")
    }

    @Test(
        "a key defined twice anywhere in the file is reported at its path",
        arguments: [
            (
                #"{"name": "demo", "name": "demo", "stages": {"src": {"type": "records", "count": 1}, "out": {"type": "record", "inputs": ["src"]}}}"#,
                "name"
            ),
            (
                #"{"name": "demo", "tags": {"a": "1", "a": "2"}, "stages": {"src": {"type": "records", "count": 1}, "out": {"type": "record", "inputs": ["src"]}}}"#,
                "tags.a"
            ),
            (
                #"{"name": "demo", "stages": {"src": {"type": "records", "count": 1, "count": 2}, "out": {"type": "record", "inputs": ["src"]}}}"#,
                "stages.src.count"
            ),
            (
                #"{"name": "demo", "stages": {"src": {"type": "records", "type": "records", "count": 1}, "out": {"type": "record", "inputs": ["src"]}}}"#,
                "stages.src.type"
            ),
            (
                #"{"name": "demo", "stages": {"src": {"type": "records", "count": 1}, "out": {"type": "record", "inputs": ["src"], "label": {"x": 1, "x": 1}}}}"#,
                "stages.out.label.x"
            ),
        ])
    func keyDefinedTwice(text: String, path: String) throws {
        let found = diagnostics(text)
        let duplicate = try #require(found.first { $0.path == path }, "\(found)")
        #expect(duplicate.message.hasPrefix("defined twice"))
    }

    @Test("a key defined three times is one fault that says so")
    func keyDefinedThreeTimes() {
        let text = """
            {"name": "demo", "stages": {
              "src": {"type": "records", "count": 1, "count": 1, "count": 1},
              "total": {"type": "count", "inputs": ["src"], "metric": "demo.total"},
              "out": {"type": "record", "inputs": ["total"]}
            }}
            """
        #expect(
            diagnostics(text).map(\.description) == [
                "stages.src.count: defined 3 times; keep one (JSON does not say which one counts)"
            ])
    }

    @Test("the graph checks never trap on stages that share a name")
    func graphChecksTolerateSharedNames() {
        let stages = [Self.stage("a", inputs: ["b"]), Self.stage("b", inputs: ["a"]), Self.stage("a", inputs: [])]
        #expect(PipelineLoader.findCycle(stages) != nil)
        #expect(PipelineLoader.topologicalOrder([Self.stage("a", inputs: []), Self.stage("a", inputs: [])])?.count == 2)
    }

    // MARK: Credentials in interpolated text

    @Test("a credential variable's value never appears in a fault, wherever it was interpolated")
    func credentialVariableNeverEchoed() {
        let token = "ghp_loaderTOKEN0123456789"
        let text = """
            {"name": "demo", "stages": {
              "src": {"type": "records", "count": 1},
              "total": {"type": "count", "inputs": ["${GITHUB_TOKEN}"], "metric": "demo.total"},
              "pick": {"type": "pick", "inputs": ["src"], "fields": ["${DD_API_KEY}.."]},
              "out": {"type": "record", "inputs": ["total", "pick"]}
            }}
            """
        let loader = kit.loader(
            variables: Variables(
                overrides: ["DD_API_KEY": "ddkey-0123456789abcdef"], environment: ["GITHUB_TOKEN": token]))
        let found = diagnostics(text, loader: loader)
        #expect(found.count == 2, "\(found)")
        for diagnostic in found {
            #expect(!diagnostic.description.contains(token))
            #expect(!diagnostic.description.contains("0123456789abcdef"))
            #expect(diagnostic.description.contains("[secret]"), "\(diagnostic)")
        }
    }

    @Test("a ${secret:…} value never appears in a fault")
    func secretReferenceNeverEchoed() throws {
        let value = "s3cr3t-from-the-vault-42"
        let reference = try #require(SecretReference("dashboard/token"))
        let text = """
            {"name": "demo", "stages": {
              "src": {"type": "records", "count": 1},
              "total": {"type": "count", "inputs": ["${secret:dashboard/token}"], "metric": "demo.total"},
              "out": {"type": "record", "inputs": ["total"]}
            }}
            """
        let loader = kit.loader(variables: Variables(secrets: SecretValues(values: [reference: value])))
        let found = diagnostics(text, loader: loader)
        #expect(found.map(\.path) == ["stages.total.inputs[0]"])
        #expect(!found.map(\.description).joined().contains(value))
    }

    @Test(
        "variables whose names say credential are secret-bearing; others are not",
        arguments: [
            ("GITHUB_TOKEN", true), ("DD_API_KEY", true), ("AWS_SECRET_ACCESS_KEY", true), ("AWS_SESSION_TOKEN", true),
            ("db_password", true), ("SMTP_PASSWD", true), ("GCP_CREDENTIALS", true), ("SSH_PRIVATE", true),
            ("GITHUB_REPOSITORY", false), ("DD_ENV", false), ("EC2_REGIONS", false), ("PWD", false),
        ])
    func secretBearingNames(name: String, expected: Bool) {
        #expect(Interpolation.isSecretBearing(name) == expected)
    }

    // MARK: Long values

    @Test("a 1 MB value or key quoted in a fault is cut to its first 80 characters and its size")
    func longValuesCut() {
        let big = String(repeating: "X", count: 1_000_000)
        let text = """
            {"name": "\(big)", "stages": {
              "src": {"type": "\(big)"},
              "total": {"type": "count", "inputs": ["\(big)Y"], "metric": "demo.total"},
              "pick": {"type": "pick", "inputs": ["total"], "fields": ["a..\(big)"]},
              "\(big)": {"type": "record", "inputs": ["total"], "lable": 1},
              "out": {"type": "record", "inputs": ["total", "pick"]}
            }}
            """
        let started = ContinuousClock.now
        let found = diagnostics(text)
        #expect(ContinuousClock.now - started < .seconds(10), "suggestions must not compare 1 MB names")
        #expect(found.count >= 5, "\(found.map { $0.description.prefix(200) })")
        for diagnostic in found {
            #expect(diagnostic.description.utf8.count < 600, "\(diagnostic.description.prefix(300))")
        }
        let quoted = "\"\(String(repeating: "X", count: 80))…\" (1000000 bytes)"
        #expect(found.contains { $0.path == "name" && $0.message.hasPrefix(quoted) })
        #expect(
            found.contains {
                $0.path == "stages.total.inputs[0]"
                    && $0.message == "unknown stage \(quoted.replacingOccurrences(of: "1000000", with: "1000001"))"
            })
        #expect(found.contains { $0.path == "stages.src.type" && $0.message.hasPrefix("unknown stage type \(quoted)") })
        #expect(found.contains { $0.path == "stages.pick.fields[0]" && $0.message.contains("…\" (1000003 bytes)") })
        #expect(found.contains { $0.path == "stages.\(big.prefix(80))… (1000000 bytes).lable" })
    }

    @Test("Diagnostic.quote keeps short text whole and cuts long text by characters, counting bytes")
    func quote() {
        #expect(Diagnostic.quote("open_prs") == "\"open_prs\"")
        #expect(Diagnostic.quote(String(repeating: "é", count: 80)) == "\"\(String(repeating: "é", count: 80))\"")
        #expect(Diagnostic.quote(String(repeating: "é", count: 81)) == "\"\(String(repeating: "é", count: 80))…\" (162 bytes)")
    }

    @Test("an unclosed ${ in a long value is reported without repeating the value whole")
    func longUnclosedInterpolation() {
        let big = "${" + String(repeating: "y", count: 100_000)
        let text = """
            {"name": "demo", "stages": {
              "src": {"type": "records", "count": 1},
              "total": {"type": "count", "inputs": ["src"], "metric": "demo.total"},
              "out": {"type": "record", "inputs": ["total"], "label": "\(big)"}
            }}
            """
        let found = diagnostics(text)
        #expect(found.map(\.path) == ["stages.out.label"])
        #expect((found.first?.description.utf8.count ?? .max) < 600)
        #expect(found.first?.message.contains("(100002 bytes)") == true, "\(found)")
    }

    // MARK: Numbers beyond a double

    @Test("an option number beyond a double's range (1e999) is a fault that says so")
    func optionNumberOverflows() {
        let text =
            #"{"name": "demo", "stages": {"src": {"type": "records", "count": 1e999}, "out": {"type": "record", "inputs": ["src"]}}}"#
        let found = diagnostics(text)
        #expect(found.map(\.path) == ["stages.src.count"])
        #expect(found.first?.message.hasPrefix("a number beyond the range of a double") == true, "\(found)")
    }
}
