import Testing

@testable import Pipeline

@Suite("PipelinePlan field selections")
struct PipelinePlanTests {
    let kit = TestStages.Kit()

    private static func selection(_ texts: String...) -> FieldSelection {
        FieldSelection(texts.compactMap(FieldPath.init))
    }

    @Test("a source keeps the fields its consumers read, plus what stages after a pass-through read")
    func fieldsFromConsumers() throws {
        let plan = try #require(
            kit.plan(
                """
                {"name": "sel", "stages": {
                  "src": {"type": "records", "count": 1},
                  "picked": {"type": "pick", "inputs": ["src"], "fields": ["a.b", "c"]},
                  "tallied": {"type": "tally", "inputs": ["picked"], "field": "d.e|f", "metric": "m1"},
                  "fetched": {"type": "fetch", "inputs": ["src"], "url": "/x/{id}"},
                  "fetched_count": {"type": "tally", "inputs": ["fetched"], "field": "url", "metric": "m2"},
                  "out": {"type": "record", "inputs": ["tallied", "fetched_count"]}
                }}
                """))
        let selections = plan.fieldSelections()
        #expect(selections["picked"] == Self.selection("d.e", "f"), "what its consumer reads")
        #expect(selections["fetched"] == Self.selection("url"))
        #expect(selections["src"] == Self.selection("a.b", "c", "d.e", "f", "id"))
        #expect(selections["tallied"] == nil, "stages writing points have no selection")
    }

    @Test("a consumer that declares nothing makes its input keep everything")
    func undeclaredConsumer() throws {
        let plan = try #require(
            kit.plan(
                """
                {"name": "sel", "stages": {
                  "src": {"type": "records", "count": 1},
                  "picked": {"type": "pick", "inputs": ["src"], "fields": ["a"]},
                  "counted": {"type": "count", "inputs": ["src"], "metric": "m1"},
                  "passed": {"type": "pass", "inputs": ["picked"]},
                  "total": {"type": "count", "inputs": ["passed"], "metric": "m2"},
                  "out": {"type": "record", "inputs": ["counted", "total"]}
                }}
                """))
        let selections = plan.fieldSelections()
        #expect(selections["src"] == .all, "count declares no fields")
        #expect(selections["picked"] == .all, "pass declares no fields")
    }

    @Test("the executor hands each source its selection")
    func executorPassesSelection() async throws {
        _ = try #require(
            await kit.run(
                """
                {"name": "sel", "stages": {
                  "src": {"type": "records", "count": 2},
                  "tallied": {"type": "tally", "inputs": ["src"], "field": "i", "metric": "sel.with_i"},
                  "out": {"type": "record", "inputs": ["tallied"]}
                }}
                """))
        #expect(kit.selections["src"] == Self.selection("i"))
        kit.recorder.expect(metric: "sel.with_i", value: 2)
    }
}
