import Testing

@testable import Pipeline

@Suite("APIUsage")
struct APIUsageTests {
    static func response(_ status: Int, remaining: String?) -> HTTPResponse {
        HTTPResponse(
            status: status, headers: HTTPHeaders(remaining.map { [(name: "x-ratelimit-remaining", value: $0)] } ?? []),
            body: [], url: "https://api.github.com/x")
    }

    @Test("304s are cache hits, other answers count; the lowest remaining budget is kept whatever the order")
    func countsAndLowestRemaining() {
        let usage = APIUsage()
        usage.record(Self.response(200, remaining: "4990"))
        usage.record(Self.response(304, remaining: "4980"))
        usage.record(Self.response(200, remaining: " 4985 "))
        usage.record(Self.response(500, remaining: nil))
        usage.recordCacheHit()
        #expect(usage.counts == APIUsage.Counts(requests: 3, cacheHits: 2, rateLimitRemaining: 4980))
    }
}
