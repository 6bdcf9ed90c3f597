import Testing

@testable import HTTP
@testable import Pipeline

@Suite("MetricPoint")
struct MetricPointTests {
    @Test("the JSON Lines form lists metric, value, timestamp, type, tags and unit, in that order")
    func json() {
        let point = MetricPoint(metric: "github.prs.open", value: 12, timestamp: 1_800_000_000, tags: ["repo:a/b"])
        #expect(
            point.json.jsonText
                == #"{"metric":"github.prs.open","value":12,"timestamp":1800000000,"type":"gauge","tags":["repo:a/b"],"unit":null}"#
        )
    }

    @Test("counts carry their interval; units are written")
    func countWithInterval() {
        let point = MetricPoint(
            metric: "x.count", value: 2.5, timestamp: 60, kind: .count, tags: [], unit: "hour", interval: 900)
        #expect(
            point.json.jsonText
                == #"{"metric":"x.count","value":2.5,"timestamp":60,"type":"count","tags":[],"unit":"hour","interval":900}"#
        )
    }

    @Test("StageContext.point stamps the run's time and the pipeline's tags plus extra tags")
    func contextPoint() {
        let http = HTTPClient()
        defer { http.shutdown() }
        let context = StageContext(
            stage: "s",
            run: RunFacts(pipeline: "p", id: "test-run", now: 1_800_000_000.75, startedAt: 1_800_000_000.75, tags: ["env:prod"]),
            logger: Logger(), services: StageServices(http: http))
        let point = context.point("m", 4, unit: "minute", extraTags: ["workflow:ci"])
        #expect(
            point
                == MetricPoint(
                    metric: "m", value: 4, timestamp: 1_800_000_000, tags: ["env:prod", "workflow:ci"], unit: "minute"))
    }

    @Test("items expose their record or point")
    func items() {
        let point = MetricPoint(metric: "m", value: 1, timestamp: 0)
        #expect(Item.point(point).point == point)
        #expect(Item.point(point).record == nil)
        #expect(Item.record(["a": 1]).record == ["a": 1])
        #expect(Item.record(["a": 1]).point == nil)
    }
}
