import Pipeline
import Testing

@Suite struct GroupTests {
    /// SkyPilot's managed-jobs queue: one row per task, job_id descending, task_id ascending.
    static let taskRows: [JSON] = [
        ["job_id": 5, "task_id": 0, "status": "SUCCEEDED", "job_duration": 60],
        ["job_id": 5, "task_id": 1, "status": "RUNNING", "job_duration": 30],
        ["job_id": 5, "task_id": 2, "status": "PENDING", "job_duration": 0],
        ["job_id": 4, "task_id": 0, "status": "SUCCEEDED", "job_duration": 100],
        ["job_id": 4, "task_id": 1, "status": "SUCCEEDED", "job_duration": 20],
        ["job_id": 3, "task_id": 0, "status": "FAILED_PRECHECKS", "job_duration": 0],
    ]
    /// A job's status: the first task status other than SUCCEEDED in task order, else SUCCEEDED.
    static let jobs: JSON = [
        "by": "job_id",
        "fields": .object(
            JSONObject([
                ("job_id", "key"), ("status", "first(rows, it.status != \"SUCCEEDED\").status ?? \"SUCCEEDED\""),
                ("tasks", "count(rows)"), ("duration", "sum(rows.job_duration)"),
            ])),
    ]

    static func records(_ options: JSON, _ rows: [JSON], batchSize: Int = 2) throws -> [JSON] {
        try Harness.aggregate("group", options, rows.map(Item.record), batchSize: batchSize).compactMap(\.record)
    }

    @Test func oneRecordPerJobWithSkyPilotsStatusRule() throws {
        let jobs = try Self.records(Self.jobs, Self.taskRows)
        #expect(jobs.map { $0["job_id"]?.number } == [5, 4, 3])
        #expect(jobs.map { $0["status"]?.string } == ["RUNNING", "SUCCEEDED", "FAILED_PRECHECKS"])
        #expect(jobs.map { $0["tasks"]?.number } == [3, 2, 1])
        #expect(jobs.map { $0["duration"]?.number } == [90, 120, 0])
        // Only the fields asked for, in the order written.
        #expect(jobs.first?.object?.map(\.key) == ["job_id", "status", "tasks", "duration"])
    }

    @Test func groupsAreWrittenInOrderOfFirstAppearanceWhateverTheBatches() throws {
        let rows: [JSON] = [
            ["k": "b", "n": 1], ["k": "a", "n": 2], ["k": "b", "n": 3], ["k": "c", "n": 4], ["k": "a", "n": 5],
        ]
        let options: JSON = ["by": "k", "fields": ["k": "key", "ns": "rows.n"]]
        for batchSize in [1, 2, 5] {
            let out = try Self.records(options, rows, batchSize: batchSize)
            #expect(out.map { $0["k"]?.string } == ["b", "a", "c"])
            #expect(out.map { $0["ns"] } == [[1, 3], [2, 5], [4]])
        }
    }

    @Test func theKeyMayBeAnExpression() throws {
        let rows: [JSON] = [["name": "A-1"], ["name": "b-2"], ["name": "a-3"]]
        let out = try Self.records(
            ["by": "lower(name) < \"b\"", "fields": ["early": "key", "names": "rows.name"]], rows)
        #expect(out.map { $0["early"]?.bool } == [true, false])
        #expect(out.map { $0["names"] } == [["A-1", "a-3"], ["b-2"]])
    }

    @Test func recordsWithoutTheKeyFormOneGroup() throws {
        let rows: [JSON] = [["job_id": 1], ["other": 2], ["job_id": 1], ["job_id": nil]]
        let out = try Self.records(["by": "job_id", "fields": ["job_id": "key", "n": "count(rows)"]], rows)
        #expect(out.map { $0["job_id"] } == [JSON.number(1), JSON.null])
        #expect(out.map { $0["n"]?.number } == [2, 2])
    }

    @Test func primaryRowsDecideTheStatusAndFirstRowFieldsAreReadable() throws {
        let rows: [JSON] = [
            ["job_id": 4, "task_id": 0, "job_name": "grp", "status": "SUCCEEDED", "is_primary_in_job_group": true],
            ["job_id": 4, "task_id": 1, "job_name": "grp", "status": "CANCELLED", "is_primary_in_job_group": false],
        ]
        let options: JSON = [
            "by": "job_id",
            "fields": [
                "name": "first(rows, true).job_name",
                "status":
                    "first(rows, it.is_primary_in_job_group != false and it.status != \"SUCCEEDED\").status ?? \"SUCCEEDED\"",
            ],
        ]
        let out = try Self.records(options, rows)
        #expect(out == [["name": "grp", "status": "SUCCEEDED"]])
    }

    @Test func emptyInputWritesNothing() throws {
        #expect(try Self.records(Self.jobs, []).isEmpty)
    }

    @Test func pointsArePassedOverAndRecordsOnlyAreGrouped() throws {
        let out = try Harness.aggregate("group", ["by": "k", "fields": ["n": "count(rows)"]], [.record(["k": 1])])
        #expect(out.compactMap(\.record) == [["n": 1]])
    }

    @Test func optionFaults() {
        #expect(Harness.failure("group", ["fields": ["n": "count(rows)"]])?.path == ["stages", "group", "by"])
        #expect(Harness.failure("group", ["by": "k"])?.path == ["stages", "group", "fields"])
        #expect(Harness.failure("group", ["by": "k", "fields": [:]])?.path == ["stages", "group", "fields"])
        #expect(
            Harness.failure("group", ["by": "k", "fields": ["n": 1]])?.description
                == "stages.group.fields.n: an expression is a string, found a number")
        let stray = Harness.failure("group", ["by": "k", "fields": ["name": "job_name"]])
        #expect(stray?.path == ["stages", "group", "fields", "name"])
        #expect(stray?.message.contains("first(rows, true).job_name") == true)
        #expect(Harness.failure("group", ["by": "k +", "fields": ["n": "count(rows)"]])?.path == ["stages", "group", "by"])
    }

    @Test func evaluationFaultsNameTheField() {
        #expect(throws: (any Error).self) {
            try Self.records(["by": "k", "fields": ["bad": "key - \"x\""]], [["k": 1]])
        }
    }

    @Test func readsTheByFieldsAndFieldsUnderRows() throws {
        let narrow = try Harness.kind("group").make(
            options: ["by": "job_id", "fields": ["ends": "max(rows.end_at)", "key": "key", "d": "sum(rows.job_duration)"]],
            path: ["stages", "group"])
        #expect(
            narrow.fieldsRead == .fields([FieldPath("job_id")!, FieldPath("end_at")!, FieldPath("job_duration")!]))
        // Rows read whole (in a predicate, or counted) may read any field.
        let whole = try Harness.kind("group").make(options: Self.jobs, path: ["stages", "group"])
        #expect(whole.fieldsRead == .everything)
    }
}
