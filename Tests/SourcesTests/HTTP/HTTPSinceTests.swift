import Foundation
import LoopbackHTTP
import Pipeline
import TestKit
import Testing

@testable import Sources

/// Runs the `http` stage at the test clock, reaching back `lookback` seconds further (a backfill).
private func runHTTP(_ options: JSON, input: JSON? = nil, lookback: Double) async throws -> [JSON] {
    let http = makeTestClient()
    defer { http.shutdown() }
    var context = makeContext(http: http)
    context.run.lookback = lookback
    let collector = ItemCollector()
    try await makeSource("http", options).run(input: input, output: Output(collectingInto: collector), context: context)
    return collector.records
}

/// `seconds` as ISO 8601, by Foundation (not the engine's formatter).
private func iso(_ seconds: Double) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.timeZone = TimeZone(identifier: "UTC")
    return formatter.string(from: Date(timeIntervalSince1970: seconds))
}

@Suite("http source: the run's clock (since, stop_when_older, backfill)")
struct HTTPSinceTests {
    @Test(
        "{since}: the run's clock minus the span and the lookback, rounded down to the UTC day",
        arguments: [0.0, 3 * 86_400, 86_400 / 2] as [Double])
    func since(lookback: Double) async throws {
        let seen = Shared<[String]>([])
        try await withServer({ request in
            seen.update { $0.append(request.query["completed_since"] ?? "-") }
            return .json("{\"data\":[{\"id\":1,\"from\":\"x\"}]}")
        }) { server in
            let records = try await runHTTP(
                [
                    "url": .string(server.baseURL + "/tasks"), "since": "7d", "records": "data",
                    "query": ["completed_since": "{since}"], "add_fields": ["asked_since": "{since}"],
                ], lookback: lookback)
            let start = TestClock.now - 7 * 86_400 - lookback
            let expected = iso((start / 86_400).rounded(.down) * 86_400)
            #expect(seen.value == [expected])
            #expect(records.first?["asked_since"] == .string(expected))
            #expect(expected <= iso(start), "a superset of the window")
        }
    }

    @Test("{since} is the stage's own: the input record need not have it, and fieldsRead does not ask for it")
    func sinceIsNotAnInputField() async throws {
        let kind = try #require(SourceStages.all.first { $0.type == "http" })
        let built = try kind.make(
            options: ["url": "https://api.example.com/p/{gid}", "since": "1d", "query": ["s": "{since}"]], path: ["stages", "x"])
        guard case .fields(let fields) = built.fieldsRead else {
            Issue.record("expected fields, got \(built.fieldsRead)")
            return
        }
        #expect(fields.map(\.description) == ["gid"])
        try await withServer({ _ in .json("[]") }) { server in
            let records = try await runHTTP(
                ["url": .string(server.baseURL + "/p/{gid}"), "since": "1d", "query": ["s": "{since}"]],
                input: ["gid": "7"], lookback: 0)
            #expect(records.isEmpty)
        }
    }

    @Test("stop_when_older reaches back by the lookback: a backfill keeps the records its earliest step needs")
    func stopWhenOlderWithLookback() async throws {
        let day = 86_400.0
        // Newest first: 1, 5 and 9 days old, one a page.
        let ages = [1.0, 5, 9]
        let pages = Shared(0)
        try await withServer({ request in
            let page = Int(request.query["page"] ?? "1") ?? 1
            pages.update { $0 = max($0, page) }
            guard page <= ages.count else { return .json("[]") }
            return .json("[{\"id\":\(page),\"at\":\"\(iso(TestClock.now - ages[page - 1] * day))\"}]")
        }) { server in
            let options: JSON = [
                "url": .string(server.baseURL + "/runs"), "pagination": ["type": "page"],
                "stop_when_older": ["field": "at", "than": "3d"],
            ]
            let scheduled = try await runHTTP(options, lookback: 0)
            #expect(scheduled.compactMap { $0["id"]?.number } == [1])
            #expect(pages.value == 2, "the page holding the first older record ends the listing")
            pages.update { $0 = 0 }
            let backfill = try await runHTTP(options, lookback: 4 * day)
            #expect(backfill.compactMap { $0["id"]?.number } == [1, 2])
            #expect(pages.value == 3)
        }
    }
}
