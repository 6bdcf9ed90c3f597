import Testing

@testable import Pipeline

@Suite("APIUsage")
struct APIUsageTests {
    @Test("304s are cache hits, other answers count; the lowest remaining budget is kept whatever the order")
    func countsAndLowestRemaining() {
        let usage = APIUsage()
        usage.record(status: 200, rateLimitRemaining: 4990)
        usage.record(status: 304, rateLimitRemaining: 4980)
        usage.record(status: 200, rateLimitRemaining: 4985)
        usage.record(status: 500, rateLimitRemaining: nil)
        usage.recordCacheHit()
        #expect(usage.counts == APIUsage.Counts(requests: 3, cacheHits: 2, rateLimitRemaining: 4980))
    }
}
