import Foundation
import Testing

@testable import Pipeline

/// The validator: one test per kind of fault, each asserting the exact path and the message.
@Suite("PipelineLoader")
struct PipelineLoaderTests {
    let kit = TestStages.Kit()

    /// A valid file: records -> count -> record sink.
    static let valid = """
        {
          "name": "demo",
          "stages": {
            "src": {"type": "records", "count": 3},
            "total": {"type": "count", "inputs": ["src"], "metric": "demo.total"},
            "out": {"type": "record", "inputs": ["total"]}
          }
        }
        """

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

    /// The single fault of `text`.
    private func fault(
        _ text: String, loader: PipelineLoader? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) -> Diagnostic? {
        let found = diagnostics(text, loader: loader, sourceLocation: sourceLocation)
        #expect(found.count == 1, "expected one fault, got \(found)", sourceLocation: sourceLocation)
        return found.first
    }

    private func load(_ text: String, loader: PipelineLoader? = nil) throws -> PipelinePlan {
        try (loader ?? kit.loader()).load(Array(text.utf8), file: "p.json")
    }

    private static func sinkLabel(_ stage: PipelinePlan.Stage?) -> String? {
        guard case .sink(let sink)? = stage?.runtime else { return nil }
        return (sink as? TestStages.RecordingSink)?.label
    }

    private static func countMetric(_ stage: PipelinePlan.Stage?) -> String? {
        guard case .aggregation(let aggregation)? = stage?.runtime else { return nil }
        return (aggregation as? TestStages.CountAggregation)?.metric
    }

    // MARK: Syntax and top level

    @Test("invalid JSON: one fault with line and column, no path")
    func invalidJSON() throws {
        let text = "{\n  \"name\": \"demo\"\n  \"stages\": {}\n}"
        let diagnostic = try #require(fault(text))
        #expect(diagnostic.path == "")
        #expect(diagnostic.message == "invalid JSON at line 3, column 3: expected ',' or '}'")
        do {
            _ = try kit.loader().load(Array(text.utf8), file: "pipelines/demo.json")
        } catch {
            #expect(error.description == "pipelines/demo.json: invalid JSON at line 3, column 3: expected ',' or '}'")
        }
    }

    @Test("a document that is not an object")
    func notAnObject() throws {
        let diagnostic = try #require(fault("[1, 2]"))
        #expect(diagnostic.path == "")
        #expect(diagnostic.message == "expected an object with name, tags and stages, found an array")
    }

    @Test("unknown top-level key, with did-you-mean and the keys allowed")
    func unknownTopLevelKey() throws {
        let text = Self.valid.replacingOccurrences(
            of: "\"name\": \"demo\",", with: "\"name\": \"demo\", \"stage\": {},")
        let diagnostic = try #require(fault(text))
        #expect(diagnostic.path == "stage")
        #expect(
            diagnostic.message
                == #"unknown key "stage" (did you mean "stages"?); a pipeline has name, description, tags, deadline, http, stages, $schema"#
        )
    }

    @Test("$schema, naming the file's JSON Schema for editors, is accepted and ignored")
    func schemaKeyIgnored() throws {
        let text = Self.valid.replacingOccurrences(
            of: "\"name\": \"demo\",", with: "\"$schema\": \"./pipeline.schema.json\", \"name\": \"demo\",")
        #expect(text.contains("$schema"))
        let plan = try load(text)
        #expect(plan.name == "demo")
        #expect(plan.stages.count == 3)
    }

    @Test("missing name")
    func missingName() throws {
        let diagnostic = try #require(fault(Self.valid.replacingOccurrences(of: "\"name\": \"demo\",", with: "")))
        #expect(diagnostic.path == "name")
        #expect(diagnostic.message == #"missing; give the pipeline a name such as "github""#)
    }

    @Test("bad name: not lower-case letters, digits and _", arguments: ["GitHub", "my-pipeline", "1st", "a b", ""])
    func badName(name: String) throws {
        let diagnostic = try #require(fault(Self.valid.replacingOccurrences(of: "\"demo\",", with: "\"\(name)\",")))
        #expect(diagnostic.path == "name")
        #expect(
            diagnostic.message
                == "\"\(name)\" must be lower-case letters, digits and _, starting with a letter (it is part of metric names)"
        )
    }

    @Test("a name that is not a string")
    func nameNotString() throws {
        let diagnostic = try #require(fault(Self.valid.replacingOccurrences(of: "\"demo\",", with: "42,")))
        #expect(diagnostic.path == "name")
        #expect(diagnostic.message == "expected a string, found a number")
    }

    @Test("tags must be an object of strings; description a string")
    func tagsAndDescription() {
        let text = Self.valid.replacingOccurrences(
            of: "\"name\": \"demo\",", with: #""name": "demo", "description": 5, "tags": {"team": "x", "level": 3},"#)
        let found = diagnostics(text)
        #expect(
            found.map(\.description) == [
                "description: expected a string, found a number", "tags.level: expected a string, found a number",
            ])
    }

    @Test("missing or empty stages")
    func missingStages() throws {
        let missing = try #require(fault(#"{"name": "demo"}"#))
        #expect(missing.description == "stages: missing; a pipeline needs stages")
        let notObject = try #require(fault(#"{"name": "demo", "stages": []}"#))
        #expect(notObject.description == "stages: expected an object of named stages")
        let empty = diagnostics(#"{"name": "demo", "stages": {}}"#)
        #expect(empty.first?.description == "stages: no stages")
    }

    // MARK: Stages

    @Test("a stage that is not an object, or has no type")
    func stageShape() {
        let text = """
            {"name": "demo", "stages": {"a": 3, "b": {"inputs": []}, "c": {"type": 7}}}
            """
        #expect(
            diagnostics(text).map(\.description) == [
                "stages.a: expected an object with a type, found a number",
                "stages.b.type: missing; every stage needs a type (see `pipeline list`)",
                "stages.c.type: expected a string",
            ])
    }

    @Test("a bad stage name")
    func badStageName() throws {
        let text = Self.valid.replacingOccurrences(of: "\"src\"", with: "\"my src\"")
        let diagnostic = try #require(fault(text))
        #expect(diagnostic.description == "stages.my src: stage names are letters, digits, _ and -")
    }

    @Test("unknown stage type, with did-you-mean")
    func unknownType() throws {
        let diagnostic = try #require(
            fault(Self.valid.replacingOccurrences(of: "\"type\": \"count\"", with: "\"type\": \"cuont\"")))
        #expect(diagnostic.path == "stages.total.type")
        #expect(diagnostic.message == #"unknown stage type "cuont" (did you mean "count"?)"#)
    }

    @Test("unknown stage type with nothing close points to `pipeline list`")
    func unknownTypeNoSuggestion() throws {
        let diagnostic = try #require(
            fault(Self.valid.replacingOccurrences(of: "\"type\": \"count\"", with: "\"type\": \"percentile\"")))
        #expect(diagnostic.description == "stages.total.type: unknown stage type \"percentile\"; see `pipeline list`")
    }

    @Test("unknown option, with did-you-mean and the known options")
    func unknownOption() throws {
        let text = Self.valid.replacingOccurrences(
            of: "\"metric\": \"demo.total\"", with: "\"metric\": \"demo.total\", \"metrik\": 1")
        let diagnostic = try #require(fault(text))
        #expect(diagnostic.path == "stages.total.metrik")
        #expect(diagnostic.message == #"unknown option "metrik" (did you mean "metric"?); known options: metric"#)
    }

    @Test("a misspelt stage key is reported as an unknown option that lists the stage keys")
    func misspeltStageKey() {
        let text = Self.valid.replacingOccurrences(of: "\"inputs\": [\"src\"]", with: "\"input\": [\"src\"]")
        let found = diagnostics(text).map(\.description)
        #expect(found.contains("stages.total.inputs: a transform needs at least one input"))
        #expect(
            found.contains(
                #"stages.total.input: unknown option "input"; known options: metric; stage keys: type, inputs, description, concurrency, http, on_input_error"#
            ))
        #expect(found.count == 2)
    }

    @Test("missing required option")
    func missingOption() throws {
        let diagnostic = try #require(
            fault(Self.valid.replacingOccurrences(of: ", \"metric\": \"demo.total\"", with: "")))
        #expect(diagnostic.path == "stages.total.metric")
        #expect(diagnostic.message == "missing required option")
    }

    @Test("wrong option type")
    func wrongOptionType() throws {
        let diagnostic = try #require(
            fault(Self.valid.replacingOccurrences(of: "\"count\": 3", with: "\"count\": \"three\"")))
        #expect(diagnostic.path == "stages.src.count")
        #expect(diagnostic.message == "expected a number, found a string")
    }

    @Test("concurrency must be a whole number from 1 to 256", arguments: ["0", "2.5", "257", "\"4\""])
    func badConcurrency(value: String) throws {
        let text = Self.valid.replacingOccurrences(of: "\"count\": 3", with: "\"count\": 3, \"concurrency\": \(value)")
        let diagnostic = try #require(fault(text))
        #expect(diagnostic.description == "stages.src.concurrency: expected a whole number from 1 to 256")
    }

    // MARK: Inputs and the graph

    @Test("unknown input, with did-you-mean")
    func unknownInput() throws {
        let text = """
            {
              "name": "demo",
              "stages": {
                "open_prs": {"type": "records", "count": 1},
                "open_count": {"type": "count", "inputs": ["open_pr"], "metric": "m"},
                "out": {"type": "record", "inputs": ["open_count"]}
              }
            }
            """
        let diagnostic = try #require(fault(text))
        #expect(
            diagnostic.description
                == #"stages.open_count.inputs[0]: unknown stage "open_pr" (did you mean "open_prs"?)"#)
    }

    @Test("unknown input never suggests the stage itself")
    func unknownInputNotSelf() throws {
        let text = """
            {
              "name": "demo",
              "stages": {
                "src": {"type": "records", "count": 1},
                "totals": {"type": "count", "inputs": ["src", "total"], "metric": "m"},
                "out": {"type": "record", "inputs": ["totals"]}
              }
            }
            """
        let diagnostic = try #require(fault(text))
        #expect(diagnostic.description == #"stages.totals.inputs[1]: unknown stage "total""#)
    }

    @Test("an input that is not a string, or inputs that are not an array")
    func inputShapes() {
        let text = """
            {
              "name": "demo",
              "stages": {
                "src": {"type": "records", "count": 1},
                "a": {"type": "count", "inputs": [3], "metric": "m"},
                "b": {"type": "count", "inputs": "src", "metric": "m"},
                "out": {"type": "record", "inputs": ["a", "b"]}
              }
            }
            """
        #expect(
            diagnostics(text).map(\.description) == [
                "stages.a.inputs[0]: expected a stage name, found a number",
                "stages.b.inputs: expected an array of stage names, found a string",
            ])
    }

    @Test("an input listed twice")
    func duplicateInput() throws {
        let text = Self.valid.replacingOccurrences(of: "\"inputs\": [\"src\"]", with: "\"inputs\": [\"src\", \"src\"]")
        let diagnostic = try #require(fault(text))
        #expect(diagnostic.description == #"stages.total.inputs[1]: "src" is listed twice"#)
    }

    @Test("a stage reading its own output")
    func selfInput() throws {
        let text = """
            {
              "name": "demo",
              "stages": {
                "src": {"type": "records", "count": 1},
                "p": {"type": "pass", "inputs": ["src", "p"]},
                "total": {"type": "count", "inputs": ["p"], "metric": "m"},
                "out": {"type": "record", "inputs": ["total"]}
              }
            }
            """
        let diagnostic = try #require(fault(text))
        #expect(diagnostic.path == "stages.p.inputs[1]")
        #expect(diagnostic.message == "a stage cannot read its own output (cycle p -> p)")
    }

    @Test("a cycle is named stage by stage, in the direction data flows")
    func cycle() throws {
        let text = """
            {
              "name": "demo",
              "stages": {
                "src": {"type": "records", "count": 1},
                "b": {"type": "pass", "inputs": ["a"]},
                "a": {"type": "pass", "inputs": ["src", "b"]},
                "total": {"type": "count", "inputs": ["b"], "metric": "m"},
                "out": {"type": "record", "inputs": ["total"]}
              }
            }
            """
        let diagnostic = try #require(fault(text))
        #expect(diagnostic.path == "stages.a.inputs")
        #expect(diagnostic.message == "cycle: a -> b -> a")
    }

    @Test("a longer cycle names every stage on it")
    func longerCycle() throws {
        let text = """
            {
              "name": "demo",
              "stages": {
                "src": {"type": "records", "count": 1},
                "x": {"type": "pass", "inputs": ["src", "z"]},
                "y": {"type": "pass", "inputs": ["x"]},
                "z": {"type": "pass", "inputs": ["y"]},
                "total": {"type": "count", "inputs": ["z"], "metric": "m"},
                "out": {"type": "record", "inputs": ["total"]}
              }
            }
            """
        let diagnostic = try #require(fault(text))
        // Data flows x -> y -> z -> x; the report may start anywhere on the cycle.
        let rotations = ["x -> y -> z -> x", "y -> z -> x -> y", "z -> x -> y -> z"]
        #expect(rotations.map { "cycle: \($0)" }.contains(diagnostic.message), "\(diagnostic.message)")
        #expect(["stages.x.inputs", "stages.y.inputs", "stages.z.inputs"].contains(diagnostic.path))
    }

    @Test("a stage whose output reaches no sink")
    func unreachableSink() throws {
        let text = Self.valid.replacingOccurrences(
            of: "\"out\":",
            with: "\"orphan\": {\"type\": \"count\", \"inputs\": [\"src\"], \"metric\": \"x\"},\n    \"out\":")
        let diagnostic = try #require(fault(text))
        #expect(
            diagnostic.description
                == "stages.orphan: its output reaches no sink; add it to a sink's inputs or remove it")
    }

    @Test("a pipeline without any sink")
    func noSink() throws {
        let text = """
            {"name": "demo", "stages": {
              "src": {"type": "records", "count": 1},
              "total": {"type": "count", "inputs": ["src"], "metric": "m"}
            }}
            """
        let diagnostic = try #require(fault(text))
        #expect(
            diagnostic.description
                == "stages: no sink: add a stage of type stdout (or another sink) that reads the metrics")
    }

    @Test("kind mismatch: records into a stage that reads points")
    func kindMismatch() throws {
        let text = """
            {"name": "demo", "stages": {
              "src": {"type": "records", "count": 1},
              "out": {"type": "record", "inputs": ["src"]}
            }}
            """
        let diagnostic = try #require(fault(text))
        #expect(diagnostic.path == "stages.out.inputs[0]")
        #expect(diagnostic.message == #""src" (records) writes records but "out" (record) reads points"#)
    }

    @Test("reading from a sink, which has no output")
    func readingASink() {
        let text = """
            {"name": "demo", "stages": {
              "pts": {"type": "points", "count": 1},
              "out": {"type": "record", "inputs": ["pts"]},
              "again": {"type": "record", "inputs": ["out"]}
            }}
            """
        #expect(diagnostics(text).map(\.description) == [#"stages.again.inputs[0]: "out" is a sink and has no output"#])
    }

    @Test("a transform without inputs")
    func transformWithoutInputs() throws {
        let text = """
            {"name": "demo", "stages": {
              "pts": {"type": "points", "count": 1},
              "total": {"type": "count", "metric": "m"},
              "out": {"type": "record", "inputs": ["pts", "total"]}
            }}
            """
        let diagnostic = try #require(fault(text))
        #expect(diagnostic.description == "stages.total.inputs: a transform needs at least one input")
    }

    @Test("a sink without inputs")
    func sinkWithoutInputs() throws {
        let text = """
            {"name": "demo", "stages": {
              "pts": {"type": "points", "count": 1},
              "out": {"type": "record", "inputs": ["pts"]},
              "idle": {"type": "record"}
            }}
            """
        let diagnostic = try #require(fault(text))
        #expect(diagnostic.description == "stages.idle.inputs: a sink needs at least one input")
    }

    @Test("a source that takes no inputs, given some")
    func sourceGivenInputs() throws {
        let text = """
            {"name": "demo", "stages": {
              "src": {"type": "records", "count": 1},
              "src2": {"type": "records", "count": 1, "inputs": ["src"]},
              "total": {"type": "count", "inputs": ["src2"], "metric": "m"},
              "out": {"type": "record", "inputs": ["total"]}
            }}
            """
        let diagnostic = try #require(fault(text))
        #expect(diagnostic.description == "stages.src2.inputs: a records source takes no inputs")
    }

    @Test("a source that requires inputs, given none")
    func sourceMissingInputs() throws {
        let text = """
            {"name": "demo", "stages": {
              "f": {"type": "fetch", "url": "x"},
              "total": {"type": "count", "inputs": ["f"], "metric": "m"},
              "out": {"type": "record", "inputs": ["total"]}
            }}
            """
        let diagnostic = try #require(fault(text))
        #expect(diagnostic.description == "stages.f.inputs: a fetch source needs at least one input")
    }

    // MARK: Variables

    @Test("malformed interpolation is reported at the string's path")
    func malformedInterpolation() throws {
        let text = Self.valid.replacingOccurrences(of: "\"demo.total\"", with: "\"demo.${UNCLOSED\"")
        let diagnostic = try #require(fault(text))
        #expect(diagnostic.path == "stages.total.metric")
        #expect(diagnostic.message.hasPrefix(#"unclosed "${" in "demo.${UNCLOSED""#))
    }

    @Test("an unset required variable is reported with its message; set, it loads")
    func requiredVariable() throws {
        let text = Self.valid.replacingOccurrences(
            of: "\"demo.total\"", with: "\"${PREFIX:?set PREFIX to the metric prefix}.total\"")
        let diagnostic = try #require(fault(text))
        #expect(diagnostic.path == "stages.total.metric")
        #expect(diagnostic.message == "variable PREFIX is required: set PREFIX to the metric prefix")

        let plan = try load(text, loader: kit.loader(variables: Variables(environment: ["PREFIX": "gh"])))
        #expect(Self.countMetric(plan.stages.first { $0.name == "total" }) == "gh.total")
    }

    @Test("an unset plain variable tells how to set it")
    func unsetVariable() throws {
        let text = Self.valid.replacingOccurrences(of: "\"demo.total\"", with: "\"${METRIC}\"")
        let diagnostic = try #require(fault(text))
        #expect(
            diagnostic.description
                == "stages.total.metric: variable METRIC is not set; set it, pass --var METRIC=VALUE, or write ${METRIC:-default}"
        )
    }

    @Test("--var overrides win over the environment in a loaded plan")
    func overridesInPlan() throws {
        let text = Self.valid.replacingOccurrences(of: "\"demo.total\"", with: "\"${METRIC}\"")
        let loader = kit.loader(
            variables: Variables(overrides: ["METRIC": "from.var"], environment: ["METRIC": "from.env"]))
        #expect(Self.countMetric(try load(text, loader: loader).stages.first { $0.name == "total" }) == "from.var")
    }

    // MARK: Several faults

    @Test("several faults are reported together")
    func severalFaults() {
        let text = """
            {
              "name": "Bad Name",
              "tag": {},
              "stages": {
                "src": {"type": "records", "count": 1, "concurrency": 0},
                "x": {"type": "cuont"},
                "y": {"type": "count", "inputs": ["sr"], "metric": "${NOPE}"},
                "out": {"type": "record", "inputs": ["y"], "lable": "z"}
              }
            }
            """
        let found = diagnostics(text)
        #expect(found.count == 7)
        #expect(
            Set(found.map(\.path)) == [
                "tag", "name", "stages.src.concurrency", "stages.x.type", "stages.y.metric", "stages.y.inputs[0]",
                "stages.out.lable",
            ])
        do {
            _ = try kit.loader().load(Array(text.utf8), file: "bad.json")
        } catch {
            let lines = error.description.split(separator: "\n")
            #expect(lines.count == 7)
            #expect(lines.allSatisfy { $0.hasPrefix("bad.json: ") })
            #expect(lines.contains(#"bad.json: stages.y.inputs[0]: unknown stage "sr" (did you mean "src"?)"#))
            #expect(
                lines.contains(
                    #"bad.json: stages.out.lable: unknown option "lable" (did you mean "label"?); known options: label"#
                ))
        }
    }

    @Test("on_input_error is \"fail\" or \"continue\", and only for a source with inputs")
    func onInputError() {
        let text = """
            {
              "name": "demo",
              "stages": {
                "src": {"type": "records", "count": 1, "on_input_error": "continue"},
                "total": {"type": "count", "inputs": ["src"], "metric": "a", "on_input_error": "skip"},
                "out": {"type": "record", "inputs": ["total"]}
              }
            }
            """
        #expect(Set(diagnostics(text).map(\.path)) == ["stages.src.on_input_error", "stages.total.on_input_error"])
    }

    // MARK: Plans

    @Test("a valid file becomes a plan with every stage after its inputs")
    func topologicalPlan() throws {
        let text = """
            {
              "name": "demo",
              "description": "a test",
              "tags": {"team": "Platform Eng", "empty": ""},
              "stages": {
                "out": {"type": "record", "inputs": ["total_b", "total_a"]},
                "total_a": {"type": "count", "inputs": ["pass"], "metric": "a"},
                "pass": {"type": "pass", "inputs": ["src"]},
                "total_b": {"type": "count", "inputs": ["src"], "metric": "b"},
                "src": {"type": "records", "count": 2, "concurrency": 3}
              }
            }
            """
        let plan = try load(text)
        #expect(plan.name == "demo")
        #expect(plan.tags == ["team:platform_eng"])
        #expect(plan.stages.map(\.name) == ["src", "pass", "total_b", "total_a", "out"])
        for (index, stage) in plan.stages.enumerated() {
            let earlier = Set(plan.stages[..<index].map(\.name))
            #expect(stage.inputs.allSatisfy(earlier.contains), "\(stage.name) comes before one of its inputs")
        }
        #expect(plan.stages.first { $0.name == "out" }?.inputs == ["total_b", "total_a"])
        #expect(plan.stages.map(\.kind.type) == ["records", "pass", "count", "count", "record"])
        #expect(plan.stages.map(\.concurrency) == [3, 8, 8, 8, 8])
        #expect(plan.consumers(of: "src").map(\.name) == ["pass", "total_b"])
        #expect(plan.stages.map(\.isSink) == [false, false, false, false, true])
    }

    @Test("sinkOverride (--dry-run) merges every sink into one stage of the override type")
    func sinkOverride() throws {
        let text = """
            {"name": "demo", "stages": {
              "src": {"type": "records", "count": 1},
              "a": {"type": "count", "inputs": ["src"], "metric": "a"},
              "b": {"type": "count", "inputs": ["src"], "metric": "b"},
              "first_out": {"type": "broken", "inputs": ["a"]},
              "second_out": {"type": "record", "inputs": ["b", "a"], "label": "file"}
            }}
            """
        let plan = try load(text, loader: kit.loader(sinkOverride: ("record", ["label": "dry"])))
        #expect(plan.stages.map(\.name) == ["src", "a", "b", "first_out"])
        let sink = try #require(plan.stages.last)
        #expect(sink.isSink)
        #expect(sink.kind.type == "record")
        #expect(sink.inputs == ["a", "b"])
        #expect(Self.sinkLabel(sink) == "dry")
    }

    @Test("sinkOverride with options the sink rejects is a fault at --dry-run")
    func sinkOverrideBadOptions() throws {
        let diagnostic = try #require(
            fault(Self.valid, loader: kit.loader(sinkOverride: ("record", ["colour": "red"]))))
        #expect(diagnostic.path == "--dry-run.colour")
        #expect(diagnostic.message == #"unknown option "colour"; known options: label"#)
    }

    @Test(
        "sinkOverride naming no sink type is a fault rather than a run that keeps the file's sinks",
        arguments: [
            "stdout", "records",
        ])
    func sinkOverrideUnknownType(type: String) throws {
        let diagnostic = try #require(fault(Self.valid, loader: kit.loader(sinkOverride: (type, [:]))))
        #expect(diagnostic.description == "--dry-run: unknown sink type \"\(type)\"")
    }

    @Test("optionOverrides set options on every stage of a type, over the file's")
    func optionOverrides() throws {
        let text = """
            {"name": "demo", "stages": {
              "src": {"type": "records", "count": 1},
              "total": {"type": "count", "inputs": ["src"], "metric": "m"},
              "one": {"type": "record", "inputs": ["total"], "label": "table"},
              "two": {"type": "record", "inputs": ["total"]}
            }}
            """
        var loader = kit.loader()
        loader.optionOverrides["record"] = JSONObject([("label", "json")])
        loader.optionOverrides["count"] = JSONObject([("metric", "overridden")])
        let plan = try load(text, loader: loader)
        #expect(Self.sinkLabel(plan.stages.first { $0.name == "one" }) == "json")
        #expect(Self.sinkLabel(plan.stages.first { $0.name == "two" }) == "json")
        #expect(Self.countMetric(plan.stages.first { $0.name == "total" }) == "overridden")

        let plain = try load(text)
        #expect(Self.sinkLabel(plain.stages.first { $0.name == "one" }) == "table")
        #expect(Self.sinkLabel(plain.stages.first { $0.name == "two" }) == nil)
    }

    // MARK: Files

    @Test("load(file:) reads a file from disk and reports a missing one")
    func loadFromDisk() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("loader-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("demo.json").path
        try Self.valid.write(toFile: file, atomically: true, encoding: .utf8)

        #expect(try kit.loader().load(file: file).stages.map(\.name) == ["src", "total", "out"])

        let missing = directory.appendingPathComponent("nope.json").path
        do {
            _ = try kit.loader().load(file: missing)
            Issue.record("a missing file loaded")
        } catch {
            #expect(error.file == missing)
            #expect(error.diagnostics == [Diagnostic(path: "", message: "cannot read the file (does it exist?)")])
        }
    }
}
