import Pipeline
import Testing

@Suite struct MapTests {
    @Test func addsFieldsComputedFromTheRecord() throws {
        let options: JSON = ["fields": ["age_days": "days(now - time(created_at))", "title": "upper(name)"]]
        let out = try Harness.records("map", options, [["name": "ship", "created_at": Harness.ago(2 * Harness.day)]])
        #expect(out == [["name": "ship", "created_at": Harness.ago(2 * Harness.day), "age_days": 2, "title": "SHIP"]])
    }

    @Test func replacesAnExistingFieldInPlace() throws {
        let out = try Harness.records("map", ["fields": ["n": "n * 10"]], [["n": 2, "m": 1]])
        #expect(out == [["n": 20, "m": 1]])
    }

    @Test func laterFieldsReadEarlierOnesInTheOrderWritten() throws {
        let fields = JSON.object(JSONObject([("double", "n * 2"), ("quadruple", "double * 2"), ("n", "0")]))
        let out = try Harness.records("map", ["fields": fields], [["n": 3]])
        #expect(out == [["n": 0, "double": 6, "quadruple": 12]])
    }

    @Test func timesAreWrittenAsISO8601AndNullAsNull() throws {
        let out = try Harness.records(
            "map", ["fields": ["due": "time(due_on)", "gone": "missing + 1"]], [["due_on": "2026-11-23"]])
        #expect(out == [["due_on": "2026-11-23", "due": "2026-11-23T00:00:00Z", "gone": nil]])
    }

    @Test func theAsanaOverdueFlag() throws {
        let overdue =
            "not completed and (due_at != null and time(due_at) < now or due_at == null and due_on != null and time(due_on) < today)"
        let tasks: [JSON] = [
            ["gid": "1", "completed": false, "due_at": Harness.ago(3600), "due_on": nil],
            ["gid": "2", "completed": false, "due_at": nil, "due_on": "2026-11-23"],
            ["gid": "3", "completed": false, "due_at": nil, "due_on": "2026-11-22"],
            ["gid": "4", "completed": true, "due_at": nil, "due_on": "2026-11-01"],
        ]
        let out = try Harness.records("map", ["fields": ["overdue": .string(overdue)]], tasks)
        #expect(out.map { $0["overdue"] } == [true, false, true, false])
    }

    @Test func pointsPassThroughUntouched() throws {
        let point = Item.point(MetricPoint(metric: "m", value: 1, timestamp: 0))
        let out = try Harness.batch("map", ["fields": ["n": "1"]], [point, .record([:])])
        #expect(out.count == 2)
        #expect(out.first?.point?.value == 1)
        #expect(out.last?.record == ["n": 1])
    }

    @Test func aTypeFaultFailsTheStageNamingTheFieldAndExpression() {
        #expect {
            try Harness.records("map", ["fields": ["age": "now - created_at"]], [["created_at": "2026-11-01"]])
        } throws: { error in
            "\(error)"
                == #"fields.age: "now - created_at": column 5: "-" cannot combine a time and a string; read times with time(field)"#
        }
    }

    @Test func aSyntaxErrorIsAnOptionFaultAtTheField() {
        let failure = Harness.failure("map", ["fields": ["overdue": "not (done or late"]])
        #expect(failure?.description == #"stages.map.fields.overdue: column 18: expected ")", found the end"#)
    }

    @Test func fieldsMustBeANonEmptyObjectOfStrings() {
        #expect(Harness.failure("map", ["fields": [:]])?.path == ["stages", "map", "fields"])
        #expect(Harness.failure("map", ["fields": ["n"]])?.path == ["stages", "map", "fields"])
        #expect(
            Harness.failure("map", ["fields": ["n": 1]])?.description
                == "stages.map.fields.n: an expression is a string, found a number")
        let missing = Harness.failure("map", [:])
        #expect(missing?.path == ["stages", "map", "fields"])
        #expect(missing?.message == "missing required option")
    }

    @Test func readsTheFieldsItsExpressionsName() throws {
        let built = try Harness.kind("map").make(
            options: ["fields": ["a": "x.y + 1", "b": "any(tags, it.name == \"z\") or x.y > 2"]], path: ["stages", "map"])
        #expect(built.fieldsRead == .fields([FieldPath("x.y")!, FieldPath("tags")!]))
    }

    @Test func fieldsAnEarlierFieldWritesAreNotReadFromTheInput() throws {
        let fields = JSON.object(JSONObject([("n", "n * 2"), ("age", "days(now - time(created_at))"), ("old", "age > n")]))
        let built = try Harness.kind("map").make(options: ["fields": fields], path: ["stages", "map"])
        #expect(built.fieldsRead == .fields([FieldPath("n")!, FieldPath("created_at")!]))
    }
}
