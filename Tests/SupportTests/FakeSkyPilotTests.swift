import FakeSkyPilot
import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The fake SkyPilot API server answers as the real one (skypilot 0.14.1) did in
/// shared/fixtures/skypilot/real-exchange.md, and its oracle computes METRICS.md's definitions.
@Suite("fake SkyPilot")
struct FakeSkyPilotTests {
    static let now = 1_796_558_400.0  // 2026-12-06T12:00:00Z
    static let statusBody = #"{"all_users": true, "refresh": "NONE", "include_credentials": false}"#
    static let jobsBody = #"{"all_users": true, "skip_finished": false}"#

    static func with(
        token: String? = nil, basicAuth: (user: String, password: String)? = nil,
        _ body: (FakeSkyPilot, TestHTTP) async throws -> Void
    ) async throws {
        let fake = try FakeSkyPilot(
            data: FakeSkyPilotData.scenario(seed: 13, now: now), token: token, basicAuth: basicAuth,
            requestDelay: 20...60)
        defer { fake.stop() }
        try await body(fake, TestHTTP())
    }

    static func decode(_ text: String?) -> Any? {
        text.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8), options: [.fragmentsAllowed]) }
    }

    /// The keys of the first JSON object in `text` that has `first` as its first key, in order.
    static func keyOrder(_ text: String, keys: [String]) -> Bool {
        let positions = keys.map { text.range(of: "\"\($0)\":")?.lowerBound }
        guard positions.allSatisfy({ $0 != nil }) else { return false }
        return zip(positions, positions.dropFirst()).allSatisfy { $0! < $1! }
    }

    static func isUUID(_ text: String?) -> Bool {
        guard let text else { return false }
        return UUID(uuidString: text) != nil && text == text.lowercased()
    }

    // MARK: The data

    @Test(
        "the scenario covers every status, pipelines, job groups, null submitted_at and user_name, every cluster status, open, straddling, torn-down and zero-duration cost records"
    )
    func scenarioCoversCases() {
        let data = FakeSkyPilotData.scenario(seed: 13, now: Self.now)
        let start = Self.now - 7 * 86_400
        #expect(Set(data.jobs.map(\.status)) == Set(FakeSkyPilotData.jobStatuses))
        #expect(Set(data.groupedJobs.map(\.status)) == Set(FakeSkyPilotData.jobStatuses))
        #expect(Dictionary(grouping: data.jobs, by: \.jobID).values.contains { $0.count > 2 && !$0[0].isJobGroup })
        #expect(data.jobs.contains { $0.isPrimaryInJobGroup == false })
        #expect(data.jobs.contains { $0.status == "PENDING" && $0.submittedAt == nil })
        #expect(data.jobs.contains { $0.userName == nil })
        #expect(data.groupedJobs.contains { ($0.endAt ?? 0) >= start })
        #expect(data.groupedJobs.contains { ($0.endAt ?? .infinity) < start })
        #expect(data.jobs.contains { $0.userHash != data.callerUserHash })
        #expect(Set(data.clusters.map(\.status)) == Set(FakeSkyPilotData.clusterStatuses))
        #expect(data.clusters.contains { $0.autostop == -1 } && data.clusters.contains { $0.autostop > 0 })
        #expect(data.clusters.contains { $0.isManaged } && data.clusters.contains { !$0.isManaged })
        #expect(data.clusters.contains { $0.nodes > 1 })
        #expect(data.costRecords.contains { $0.usageIntervals.contains { $0.end == nil } })
        #expect(data.costRecords.contains { $0.usageIntervals.contains { Double($0.start) < start } && $0.status != nil })
        #expect(data.costRecords.contains { $0.status == nil })
        #expect(data.costRecords.contains { $0.duration == 0 })
        #expect(data.costRecords(days: 8).count < data.costRecords.count)
        // Deterministic.
        let again = FakeSkyPilotData.scenario(seed: 13, now: Self.now)
        #expect(again.jobs.map(\.status) == data.jobs.map(\.status))
        #expect(again.expectedMetrics() == data.expectedMetrics())
    }

    // MARK: The async protocol

    @Test(
        "a read is a POST answered 200 null with the request id; /api/get waits for it and answers the RequestPayload with return_value a JSON string"
    )
    func asyncProtocol() async throws {
        try await Self.with { fake, http in
            fake.setRequestDelay(milliseconds: 150...150)
            let submit = try await http.post(fake.baseURL + "/status", json: Self.statusBody)
            #expect(submit.status == 200)
            #expect(String(decoding: submit.data, as: UTF8.self) == "null")
            let id = try #require(submit.header("x-skypilot-request-id"))
            #expect(Self.isUUID(id))
            let clock = ContinuousClock()
            let begun = clock.now
            let answer = try await http.get(fake.baseURL + "/api/get?request_id=\(id)")
            #expect(clock.now - begun >= .milliseconds(100))
            #expect(answer.status == 200)
            let text = String(decoding: answer.data, as: UTF8.self)
            let keys = [
                "request_id", "name", "entrypoint", "request_body", "status", "created_at", "user_id", "return_value",
                "error", "pid", "schedule_type", "user_name", "cluster_name", "status_msg", "should_retry", "finished_at",
                "file_mounts_blob_id",
            ]
            #expect(Self.keyOrder(text, keys: keys))
            #expect(answer.object.keys.count == keys.count)
            #expect(answer.object["request_id"] as? String == id)
            #expect(answer.object["name"] as? String == "sky.status")
            #expect(answer.object["status"] as? String == "SUCCEEDED")
            #expect(answer.object["error"] as? String == "null")
            #expect((answer.object["entrypoint"] as? String)?.hasPrefix("gASV") == true)
            #expect((answer.object["request_body"] as? String)?.hasPrefix("gASV") == true)
            let value = try #require(answer.object["return_value"] as? String)
            #expect((Self.decode(value) as? [[String: Any]])?.count == fake.data.clusters.count)
            // A fresh id on the answer, not the request's.
            #expect(Self.isUUID(answer.header("x-skypilot-request-id")) && answer.header("x-skypilot-request-id") != id)
            // A unique prefix is enough.
            let prefixed = try await http.get(fake.baseURL + "/api/get?request_id=\(id.prefix(8))")
            #expect(prefixed.object["request_id"] as? String == id)
            #expect(fake.bodies(of: "/status") == [Self.statusBody])
        }
    }

    @Test(
        "unknown, ambiguous and missing request ids, wrong methods and paths answer the real server's errors, each with a fresh request id"
    )
    func protocolErrors() async throws {
        try await Self.with { fake, http in
            _ = try await http.post(fake.baseURL + "/status", json: Self.statusBody)
            _ = try await http.post(fake.baseURL + "/cost_report", json: #"{"days": 8}"#)
            let unknown = try await http.get(fake.baseURL + "/api/get?request_id=zzzz-not-there")
            #expect(unknown.status == 404)
            #expect(String(decoding: unknown.data, as: UTF8.self) == #"{"detail":"Request 'zzzz-not-there' not found"}"#)
            let all = try await http.get(fake.baseURL + "/api/get?request_id=")
            #expect(all.status == 400)
            #expect(all.object["detail"] as? String == "Multiple requests found for request ID prefix: ")
            let missing = try await http.get(fake.baseURL + "/api/get")
            #expect(missing.status == 422)
            let wrongMethod = try await http.get(fake.baseURL + "/status")
            #expect(wrongMethod.status == 405 && wrongMethod.header("allow") == "POST")
            let nowhere = try await http.post(fake.baseURL + "/nowhere", json: "{}")
            #expect(String(decoding: nowhere.data, as: UTF8.self) == #"{"detail":"Not Found"}"#)
            let noBody = try await http.post(fake.baseURL + "/cost_report", json: nil)
            #expect(noBody.status == 422)
            let bogus = try await http.post(fake.baseURL + "/status", json: #"{"refresh": "BOGUS"}"#)
            #expect(bogus.status == 422)
            let ids = [unknown, all, missing, wrongMethod, nowhere, noBody, bogus].map { $0.header("x-skypilot-request-id") }
            #expect(ids.allSatisfy(Self.isUUID))
            #expect(Set(ids).count == ids.count)
        }
    }

    @Test("version headers are echoed only when the client sends both")
    func versionHeaders() async throws {
        try await Self.with { fake, http in
            let plain = try await http.get(fake.baseURL + "/api/health")
            #expect(plain.header("x-skypilot-api-version") == nil)
            let versioned = try await http.get(
                fake.baseURL + "/api/health", headers: ["X-SkyPilot-API-Version": "62", "X-SkyPilot-Version": "0.14.1"])
            #expect(versioned.header("x-skypilot-api-version") == "62")
            #expect(versioned.header("x-skypilot-version") == "0.14.1")
            #expect(versioned.object["status"] as? String == "healthy")
            #expect(versioned.object["api_version"] as? String == "62")
            #expect(versioned.object["user"] is NSNull)
        }
    }

    // MARK: The reads

    @Test(
        "/jobs/queue/v2: {jobs, total, total_no_filter, status_counts, infra_options}, rows in the real key order, job id descending"
    )
    func jobsShape() async throws {
        try await Self.with { fake, http in
            let (_, answer) = try await http.read(fake.baseURL, "/jobs/queue/v2", json: Self.jobsBody)
            #expect(answer.object["name"] as? String == "sky.jobs.queue_v2")
            let valueText = try #require(answer.object["return_value"] as? String)
            #expect(Self.keyOrder(valueText, keys: ["jobs", "total", "total_no_filter", "status_counts", "infra_options"]))
            #expect(
                Self.keyOrder(
                    valueText,
                    keys: [
                        "_job_id", "job_id", "task_id", "job_name", "task_name", "job_duration", "workspace", "status",
                        "user_name", "user_hash", "submitted_at", "start_at", "end_at", "is_job_group",
                        "is_primary_in_job_group",
                    ]))
            let value = try #require(Self.decode(valueText) as? [String: Any])
            let rows = try #require(value["jobs"] as? [[String: Any]])
            #expect(rows.count == fake.data.jobs.count)
            #expect(value["total"] as? Int == Set(fake.data.jobs.map(\.jobID)).count)
            #expect(value["total_no_filter"] as? Int == fake.data.jobs.count)
            #expect((value["status_counts"] as? [String: Int])?.values.reduce(0, +) == fake.data.jobs.count)
            #expect(value["infra_options"] as? [String] == ["aws/us-east-1"])
            let order = rows.map { [$0["job_id"] as? Int ?? 0, -($0["task_id"] as? Int ?? 0)] }
            #expect(order == order.sorted { ($0[0], $0[1]) > ($1[0], $1[1]) })
            #expect(rows.contains { $0["submitted_at"] is NSNull && $0["status"] as? String == "PENDING" })
            #expect(rows.contains { $0["is_primary_in_job_group"] as? Bool == false })
            #expect(rows.contains { $0["user_name"] is NSNull })
            #expect(fake.bodies(of: "/jobs/queue/v2") == [Self.jobsBody])

            // all_users missing: only the caller's jobs.
            let (_, mine) = try await http.read(fake.baseURL, "/jobs/queue/v2", json: #"{"skip_finished": false}"#)
            let mineRows = (Self.decode(mine.object["return_value"] as? String) as? [String: Any])?["jobs"] as? [[String: Any]]
            #expect(mineRows?.count == fake.data.jobs.filter { $0.userHash == FakeSkyPilotData.serverUserHash }.count)
            #expect(mineRows?.allSatisfy { $0["user_hash"] as? String == FakeSkyPilotData.serverUserHash } == true)

            // skip_finished: whole jobs with a task not finished.
            let (_, live) = try await http.read(
                fake.baseURL, "/jobs/queue/v2", json: #"{"all_users": true, "skip_finished": true}"#)
            let liveRows = (Self.decode(live.object["return_value"] as? String) as? [String: Any])?["jobs"] as? [[String: Any]]
            #expect(liveRows?.contains { $0["status"] as? String == "SUCCEEDED" } == true)  // a pipeline's done task
            #expect(liveRows?.count ?? 0 < rows.count)

            // The bare list of older servers.
            fake.serveJobsAsBareList()
            let (_, bare) = try await http.read(fake.baseURL, "/jobs/queue/v2", json: Self.jobsBody)
            #expect((Self.decode(bare.object["return_value"] as? String) as? [[String: Any]])?.count == rows.count)
        }
    }

    @Test(
        "/status: records without null keys, handle a gASV string; credentials (a fake secret) unless include_credentials is false"
    )
    func statusShape() async throws {
        try await Self.with { fake, http in
            let (_, answer) = try await http.read(fake.baseURL, "/status", json: Self.statusBody)
            let text = try #require(answer.object["return_value"] as? String)
            #expect(!text.contains(FakeSkyPilot.secretKeyMarker))
            let records = try #require(Self.decode(text) as? [[String: Any]])
            #expect(records.count == fake.data.clusters.count)
            #expect(records.allSatisfy { ($0["handle"] as? String)?.hasPrefix("gASV") == true })
            #expect(records.allSatisfy { $0["cpus"] is String && $0["nodes"] is Int && $0["autostop"] is Int })
            #expect(records.allSatisfy { !$0.values.contains { $0 is NSNull } })
            #expect(records.contains { $0["user_name"] == nil })
            #expect(Self.keyOrder(text, keys: ["name", "launched_at", "handle", "status", "autostop", "is_managed", "nodes"]))

            let (_, leaky) = try await http.read(fake.baseURL, "/status", json: #"{"all_users": true, "refresh": "NONE"}"#)
            let leakyText = try #require(leaky.object["return_value"] as? String)
            #expect(leakyText.contains(FakeSkyPilot.secretKeyMarker))
            #expect(
                (Self.decode(leakyText) as? [[String: Any]])?.allSatisfy { $0["credentials"] is [String: Any] } == true)
            #expect(fake.bodies(of: "/status").count == 2)
        }
    }

    @Test("/cost_report: records with usage_intervals, null end and null status kept, torn-down ones included, days honoured")
    func costShape() async throws {
        try await Self.with { fake, http in
            let (_, answer) = try await http.read(fake.baseURL, "/cost_report", json: #"{"days": 8}"#)
            #expect(answer.object["name"] as? String == "sky.cost_report")
            let text = try #require(answer.object["return_value"] as? String)
            #expect(Self.keyOrder(text, keys: ["name", "launched_at", "duration", "num_nodes", "resources", "usage_intervals"]))
            let records = try #require(Self.decode(text) as? [[String: Any]])
            #expect(records.count == fake.data.costRecords(days: 8).count)
            #expect(records.contains { $0["status"] is NSNull })
            #expect(records.contains { ($0["usage_intervals"] as? [[Any]])?.contains { $0.last is NSNull } == true })
            #expect(records.contains { $0["duration"] as? Int == 0 })
            #expect(records.allSatisfy { ($0["resources"] as? String)?.hasPrefix("gASV") == true })
            #expect(!records.contains { $0["name"] as? String == "torn-down-long-ago" })
            let (_, month) = try await http.read(fake.baseURL, "/cost_report", json: #"{"days": 30}"#)
            #expect(
                (Self.decode(month.object["return_value"] as? String) as? [[String: Any]])?.count == fake.data.costRecords.count)
        }
    }

    @Test(
        "a jobs read with the controller down: submit 200, then 500 {detail: payload} whose error is a JSON string of ClusterNotUpError"
    )
    func clusterNotUp() async throws {
        try await Self.with { fake, http in
            fake.failJobs(.clusterNotUp)
            let (submit, answer) = try await http.read(fake.baseURL, "/jobs/queue/v2", json: Self.jobsBody)
            #expect(submit.status == 200)
            #expect(answer.status == 500)
            let detail = try #require(answer.object["detail"] as? [String: Any])
            #expect(detail["status"] as? String == "FAILED")
            #expect(detail["name"] as? String == "sky.jobs.queue_v2")
            #expect(detail["return_value"] as? String == "null")
            #expect(detail["cluster_name"] as? String == "sky-jobs-controller-fcd1e5cf")
            let errorText = try #require(detail["error"] as? String)
            #expect(Self.keyOrder(errorText, keys: ["object", "type", "message"]))
            let error = try #require(Self.decode(errorText) as? [String: Any])
            #expect(error["type"] as? String == "ClusterNotUpError")
            #expect(error["message"] as? String == "No in-progress managed jobs.")
            #expect((error["object"] as? String)?.hasPrefix("gASV") == true)
            #expect(fake.expectedMetrics == fake.data.expectedMetrics(jobsAvailable: false))

            fake.failJobs(.error(type: "RuntimeError", message: "controller exploded"))
            let (_, other) = try await http.read(fake.baseURL, "/jobs/queue/v2", json: Self.jobsBody)
            let otherError = Self.decode((other.object["detail"] as? [String: Any])?["error"] as? String) as? [String: Any]
            #expect(other.status == 500 && otherError?["type"] as? String == "RuntimeError")

            fake.failJobs(nil)
            let (_, fine) = try await http.read(fake.baseURL, "/jobs/queue/v2", json: Self.jobsBody)
            #expect(fine.status == 200)
        }
    }

    // MARK: Auth

    @Test(
        "a sky_ token: none is 401, a wrong one 401 'Invalid or expired service account token' (health too), the right one passes"
    )
    func tokenAuth() async throws {
        let token = "sky_test_token_0123456789"
        try await Self.with(token: token) { fake, http in
            let none = try await http.post(fake.baseURL + "/status", json: Self.statusBody)
            #expect(none.status == 401)
            let bearer = { (value: String) in ["Authorization": "Bearer \(value)"] }
            let wrong = try await http.post(fake.baseURL + "/status", json: Self.statusBody, headers: bearer("sky_invalid"))
            #expect(wrong.status == 401)
            #expect(String(decoding: wrong.data, as: UTF8.self) == #"{"detail":"Invalid or expired service account token"}"#)
            #expect(wrong.header("cache-control") == "no-store")
            #expect(Self.isUUID(wrong.header("x-skypilot-request-id")))
            let wrongHealth = try await http.get(fake.baseURL + "/api/health", headers: bearer("sky_invalid"))
            #expect(wrongHealth.status == 401)
            let openHealth = try await http.get(fake.baseURL + "/api/health")
            #expect(openHealth.status == 200 && openHealth.object["service_account_token_enabled"] as? Bool == true)
            let right = try await http.post(fake.baseURL + "/status", json: Self.statusBody, headers: bearer(token))
            #expect(right.status == 200)
            let id = try #require(right.header("x-skypilot-request-id"))
            let denied = try await http.get(fake.baseURL + "/api/get?request_id=\(id)")
            #expect(denied.status == 401)
            let answer = try await http.get(fake.baseURL + "/api/get?request_id=\(id)", headers: bearer(token))
            #expect(answer.status == 200 && answer.object["user_id"] as? String == FakeSkyPilot.serviceAccountID)
            let health = try await http.get(fake.baseURL + "/api/health", headers: bearer(token))
            #expect((health.object["user"] as? [String: Any])?["id"] as? String == FakeSkyPilot.serviceAccountID)
            #expect(fake.requests.contains { $0.headers["authorization"] == "Bearer \(token)" })
        }
    }

    @Test(
        "basic auth: none 'Authentication required', wrong 'Invalid credentials', a non-sky_ bearer 'Invalid authentication method', right passes"
    )
    func basicAuth() async throws {
        try await Self.with(basicAuth: ("admin", "s3cret")) { fake, http in
            // Over a raw connection: URLSession on Linux stalls on a 401 that challenges Basic.
            func post(_ authorization: String?) throws -> RawHTTPClient.Response {
                let raw = try RawHTTPClient(port: fake.server.port)
                let body = Self.statusBody
                var request = "POST /status HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                request += "Content-Length: \(body.utf8.count)\r\n"
                if let authorization { request += "Authorization: \(authorization)\r\n" }
                raw.send(request + "\r\n" + body)
                return try raw.readResponse()
            }
            func basic(_ text: String) -> String { "Basic " + Data(text.utf8).base64EncodedString() }
            let none = try post(nil)
            #expect(none.status == 401 && none.text == #""Authentication required""#)
            #expect(none.headers["www-authenticate"] == #"Basic realm="SkyPilot""#)
            #expect(Self.isUUID(none.headers["x-skypilot-request-id"]))
            let wrong = try post(basic("admin:wrong"))
            #expect(wrong.status == 401 && wrong.text == #""Invalid credentials""#)
            let method = try post("Bearer abc")
            #expect(method.status == 401 && method.text == #""Invalid authentication method""#)
            let right = try post(basic("admin:s3cret"))
            #expect(right.status == 200 && right.text == "null")
            let health = try await http.get(fake.baseURL + "/api/health", headers: ["Authorization": basic("admin:s3cret")])
            #expect((health.object["user"] as? [String: Any])?["password"] as? String == FakeSkyPilot.fakePasswordHash)
            #expect(health.object["basic_auth_enabled"] as? Bool == true)
        }
    }

    // MARK: Faults

    @Test("faults: every k-th request 503 (with a request id), a dropped connection, added latency")
    func faults() async throws {
        try await Self.with { fake, http in
            fake.injectFaults(every: 2, .status(503))
            let first = try await http.get(fake.baseURL + "/api/health")
            let second = try await http.get(fake.baseURL + "/api/health")
            #expect(first.status == 200 && second.status == 503)
            #expect(Self.isUUID(second.header("x-skypilot-request-id")))

            fake.injectFaults(every: 1, .dropConnection)
            let raw = try RawHTTPClient(port: fake.server.port)
            raw.send("GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            #expect(throws: RawHTTPClient.ClosedError.self) { try raw.readResponse() }

            fake.injectFaults(every: 0)
            fake.setLatency(.milliseconds(200))
            let clock = ContinuousClock()
            let begun = clock.now
            let slow = try await http.get(fake.baseURL + "/api/health")
            #expect(slow.status == 200 && clock.now - begun >= .milliseconds(190))
        }
    }

    // MARK: The oracle

    /// A dataset small enough to compute by hand; now = N, h = 3600 s.
    static func tinyData() -> FakeSkyPilotData {
        let n = now
        let h = 3_600.0
        func row(
            _ job: Int, _ task: Int, _ status: String, _ submitted: Double?, _ start: Double?, _ end: Double?,
            _ duration: Double, _ user: String?, primary: Bool? = nil
        ) -> FakeSkyPilotJobRow {
            FakeSkyPilotJobRow(
                jobID: job, taskID: task, jobName: "j\(job)", taskName: "t\(task)", status: status,
                submittedAt: submitted.map { n + $0 }, startAt: start.map { n + $0 }, endAt: end.map { n + $0 },
                jobDuration: duration, userName: user, userHash: "u", isJobGroup: primary != nil,
                isPrimaryInJobGroup: primary)
        }
        let jobs = [
            // J1 SUCCEEDED in W: 240 min, waited 60 min; ann.
            row(1, 0, "SUCCEEDED", -10 * h, -9 * h, -5 * h, 4 * h, "ann"),
            // J2 pipeline SUCCEEDED + FAILED → FAILED, ends −17h, 1.5 h = 90 min, waited 60 min (−20h → −19h); bob.
            row(2, 0, "SUCCEEDED", -20 * h, -19 * h, -18 * h, 1 * h, "bob"),
            row(2, 1, "FAILED", -18 * h, -17.5 * h, -17 * h, 0.5 * h, "bob"),
            // J3 job group: primary RUNNING, auxiliary CANCELLED (left out of the status) → RUNNING;
            // start −2.5h (the auxiliary's, earliest), waited 30 min; user null.
            row(3, 0, "RUNNING", -3 * h, -2 * h, nil, 2 * h, nil, primary: true),
            row(3, 1, "CANCELLED", -3 * h, -2.5 * h, -1 * h, 1.5 * h, nil, primary: false),
            // J4 PENDING, no submitted_at; cy (active: not terminal).
            row(4, 0, "PENDING", nil, nil, nil, 0, "cy"),
            // J5 SUCCEEDED before W: in no 7-day metric; dee not active.
            row(5, 0, "SUCCEEDED", -200 * h, -199 * h, -190 * h, 9 * h, "dee"),
            // J6 CANCELLED in W, waited 60 min; ann.
            row(6, 0, "CANCELLED", -30 * h, -29 * h, -28 * h, 1 * h, "ann"),
            // J7 FAILED_PRECHECKS: no submitted_at, duration 0 (not ranked); eve not active (terminal, never submitted).
            row(7, 0, "FAILED_PRECHECKS", nil, nil, -1 * h, 0, "eve"),
            // J8 RECOVERING, waited 180 min (−52h → −49h); bob.
            row(8, 0, "RECOVERING", -52 * h, -49 * h, nil, 40 * h, "bob"),
        ]
        let t = Int(n)
        let day = 86_400
        func cluster(_ name: String, _ status: String, autostop: Int, managed: Bool, nodes: Int) -> FakeSkyPilotCluster {
            FakeSkyPilotCluster(
                name: name, launchedAt: t - 100, status: status, autostop: autostop, isManaged: managed, nodes: nodes,
                userName: "ann", userHash: "u")
        }
        let clusters = [
            cluster("c1", "UP", autostop: 30, managed: false, nodes: 2),
            cluster("c2", "UP", autostop: -1, managed: false, nodes: 1),  // without autostop
            cluster("c3", "UP", autostop: -1, managed: true, nodes: 1),  // managed: not counted
            cluster("c4", "STOPPED", autostop: -1, managed: false, nodes: 4),
            cluster("c5", "INIT", autostop: -1, managed: false, nodes: 1),
        ]
        func cost(_ name: String, _ intervals: [(Int, Int?)], _ duration: Int, _ total: Double, _ status: String?)
            -> FakeSkyPilotCostRecord
        {
            FakeSkyPilotCostRecord(
                name: name, launchedAt: intervals[0].0, duration: duration, numNodes: 1,
                usageIntervals: intervals.map { FakeSkyPilotInterval(start: $0.0, end: $0.1) }, status: status,
                totalCost: total, userName: "ann", userHash: "u")
        }
        let costs = [
            // $20 over 2 h, open: 10 $/h; 7200 s in W → $20.
            cost("c1", [(t - 7_200, nil)], 7_200, 20.0, "UP"),
            // $691.2 over 8 days, open, starting a day before W: 0.001 $/s = 3.6 $/h; 7 days in W → $604.8.
            cost("c2", [(t - 8 * day, nil)], 8 * day, 691.2, "UP"),
            // Torn down (status null): $8.64 over a day in W → $8.64, not hourly.
            cost("gone", [(t - 3 * day, t - 2 * day)], day, 8.64, nil),
            // Duration 0: no rate.
            cost("instant", [(t - 1_000, t - 1_000)], 0, 0.0, nil),
            // STOPPED, two intervals, 176400 s for $17.64 (0.0001 $/s); only t−7d…t−6d in W → $8.64.
            cost("c4", [(t - 10 * day, t - 9 * day), (t - 7 * day - 3_600, t - 6 * day)], 176_400, 17.64, "STOPPED"),
        ]
        return FakeSkyPilotData(now: n, jobs: jobs, clusters: clusters, costRecords: costs, callerUserHash: "u")
    }

    @Test("the oracle on a hand-computed dataset: all 18 keys, counts with 0, per-status points, numpy percentiles, costs")
    func oracle() throws {
        let points = Self.tinyData().expectedMetrics()
        func value(_ metric: String, _ tags: [String] = []) -> Double? {
            points.first { $0.metric == metric && $0.tags == tags }?.value
        }
        func near(_ metric: String, _ expected: Double) -> Bool {
            guard let actual = value(metric) else { return false }
            return abs(actual - expected) < 1e-9 * max(1, abs(expected))
        }
        #expect(Set(points.map(\.metric)).count == 18)
        #expect(value("skypilot.jobs.running") == 1)  // J3
        #expect(value("skypilot.jobs.queued") == 1)  // J4
        #expect(value("skypilot.jobs.recovering") == 1)  // J8
        let byStatus = ["pending": 1.0, "starting": 0, "running": 1, "recovering": 1, "cancelling": 0]
        for (status, count) in byStatus { #expect(value("skypilot.jobs.by_status", ["status:\(status)"]) == count) }
        #expect(points.filter { $0.metric == "skypilot.jobs.by_status" }.count == 5)
        #expect(value("skypilot.jobs.succeeded_7d") == 1)  // J1 (J5 ended before W)
        #expect(value("skypilot.jobs.failed_7d") == 2)  // J2, J7
        #expect(value("skypilot.jobs.cancelled_7d") == 1)  // J6 (J3's auxiliary row does not count)
        // Durations ranked: J1 240, J2 90 (J7's 0 left out) → [90, 240].
        #expect(near("skypilot.jobs.duration_minutes.p50", 165))
        #expect(near("skypilot.jobs.duration_minutes.p95", 232.5))
        #expect(near("skypilot.jobs.duration_minutes.max", 240))
        // Waits of jobs started in W: [30, 60, 60, 60, 180]; p95 at 3.8: 60 + 0.8·120 = 156.
        #expect(near("skypilot.jobs.queue_wait_minutes.p95", 156))
        #expect(value("skypilot.users.active_7d") == 3)  // ann, bob, cy
        #expect(value("skypilot.clusters.up") == 3)
        let clusters = ["init": 1.0, "up": 3, "stopped": 1, "autostopping": 0]
        for (status, count) in clusters { #expect(value("skypilot.clusters.by_status", ["status:\(status)"]) == count) }
        #expect(value("skypilot.clusters.nodes") == 4)
        #expect(value("skypilot.clusters.without_autostop") == 1)
        #expect(near("skypilot.compute.hourly_cost_usd", 13.6))  // 10 + 3.6
        #expect(near("skypilot.compute.total_cost_7d", 642.08))  // 20 + 604.8 + 8.64 + 8.64

        // Controller down: job counts 0, nothing ranked, cluster and cost metrics unchanged.
        let down = Self.tinyData().expectedMetrics(jobsAvailable: false)
        #expect(down.first { $0.metric == "skypilot.jobs.running" }?.value == 0)
        #expect(down.filter { $0.metric == "skypilot.jobs.by_status" }.allSatisfy { $0.value == 0 })
        #expect(!down.contains { $0.metric.contains("duration_minutes") || $0.metric.contains("queue_wait") })
        #expect(down.first { $0.metric == "skypilot.users.active_7d" }?.value == 0)
        #expect(down.first { $0.metric == "skypilot.clusters.nodes" }?.value == 4)
    }

    @Test("the scenario's expected metrics have all 18 keys, percentiles included")
    func scenarioOracle() {
        let points = FakeSkyPilotData.scenario(seed: 13, now: Self.now).expectedMetrics()
        #expect(Set(points.map(\.metric)).count == 18)
        #expect(points.count == 18 - 2 + 5 + 4)
        #expect(points.allSatisfy { $0.value.isFinite && $0.value >= 0 })
    }
}

extension TestHTTP {
    /// POST with a JSON body (nil: no body).
    func post(_ url: String, json: String?, headers extra: [String: String] = [:]) async throws -> Response {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = "POST"
        if let json {
            request.httpBody = Data(json.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        for (name, value) in headers.merging(extra, uniquingKeysWith: { $1 }) {
            request.setValue(value, forHTTPHeaderField: name)
        }
        let (data, response) = try await session.data(for: request)
        let http = response as! HTTPURLResponse
        return Response(status: http.statusCode, http: http, data: data)
    }

    /// A SkyPilot read: the POST, then `GET /api/get` for the request it names.
    func read(_ base: String, _ path: String, json: String, headers: [String: String] = [:]) async throws
        -> (submit: Response, answer: Response)
    {
        let submit = try await post(base + path, json: json, headers: headers)
        guard submit.status == 200, let id = submit.header("x-skypilot-request-id") else {
            throw StatusError(status: submit.status, url: base + path)
        }
        return (submit, try await get(base + "/api/get?request_id=\(id)", headers: headers))
    }
}
