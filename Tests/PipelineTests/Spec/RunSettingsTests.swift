import Foundation
import Testing

@testable import HTTP
@testable import Pipeline

/// The pipeline file's `deadline` and `http` keys: read into the plan, every fault reported
/// with its path.
@Suite("pipeline file: deadline and http")
struct RunSettingsTests {
    let kit = TestStages.Kit()

    static func file(top: String = "", stage: String = "", transform: String = "") -> String {
        """
        {"name": "demo", \(top.isEmpty ? "" : top + ",")
         "stages": {
          "src": {"type": "records", "count": 3\(stage.isEmpty ? "" : ", " + stage)},
          "total": {"type": "count", "inputs": ["src"], "metric": "demo.total"\(transform.isEmpty ? "" : ", " + transform)},
          "out": {"type": "record", "inputs": ["total"]}
        }}
        """
    }

    func load(_ text: String) throws(PipelineFileError) -> PipelinePlan {
        try kit.loader().load(Array(text.utf8), file: "p.json")
    }

    func faults(_ text: String) -> [String] {
        do {
            _ = try load(text)
            return []
        } catch {
            return error.diagnostics.map(\.description)
        }
    }

    @Test("deadline and http at the top, http on a stage, are read into the plan")
    func readIntoThePlan() throws {
        let plan = try load(
            Self.file(
                top: #""deadline": "13m", "http": {"timeout": "20s", "connect_timeout": "5s", "max_response_bytes": "4MiB"}"#,
                stage: #""http": {"timeout": "1m", "max_response_bytes": 2000000}"#))
        #expect(plan.deadline == TimeSpan("13m"))
        #expect(plan.http == HTTPSettings(timeout: TimeSpan("20s"), connectTimeout: TimeSpan("5s"), maxResponseBytes: 4 << 20))
        let src = try #require(plan.stages.first { $0.name == "src" })
        #expect(src.http == HTTPSettings(timeout: TimeSpan("1m"), maxResponseBytes: 2_000_000))
        let merged = plan.http.overridden(by: src.http)
        #expect(merged == HTTPSettings(timeout: TimeSpan("1m"), connectTimeout: TimeSpan("5s"), maxResponseBytes: 2_000_000))
        var configuration = HTTPClient.Configuration()
        merged.apply(to: &configuration)
        #expect(configuration.requestTimeout == .seconds(60))
        #expect(configuration.connectTimeout == .seconds(5))
        #expect(configuration.maxResponseBytes == 2_000_000)
    }

    @Test("without them: no deadline in the file, and the client's defaults (30 s, 10 s, 8 MiB)")
    func defaults() throws {
        let plan = try load(Self.file())
        #expect(plan.deadline == nil)
        #expect(plan.http == HTTPSettings())
        let configuration = HTTPClient.Configuration()
        #expect(configuration.requestTimeout == .seconds(30))
        #expect(configuration.connectTimeout == .seconds(10))
        #expect(configuration.maxResponseBytes == 8 << 20)
    }

    @Test("every fault is reported with its path")
    func faultsWithPaths() {
        let found = faults(
            Self.file(
                top: #""deadline": "soon", "http": {"tiemout": "1s", "connect_timeout": "0s", "max_response_bytes": "8XB"}"#,
                stage: #""http": {"max_response_bytes": 100}"#, transform: #""http": {"timeout": "1s"}"#))
        #expect(found.contains(#"deadline: expected a time span above zero such as "10m" (the run's budget)"#), "\(found)")
        #expect(
            found.contains(
                #"http.tiemout: unknown key "tiemout" (did you mean "timeout"?); http has timeout, connect_timeout, max_response_bytes"#
            ),
            "\(found)")
        #expect(found.contains(#"http.connect_timeout: expected a time span above zero such as "30s" or "2m""#), "\(found)")
        #expect(found.contains { $0.hasPrefix("http.max_response_bytes: expected a size") }, "\(found)")
        #expect(
            found.contains { $0.hasPrefix("stages.src.http.max_response_bytes: expected a size of at least 1KiB") }, "\(found)")
        #expect(found.contains("stages.total.http: a transform makes no requests; http belongs to sources and sinks"), "\(found)")
        #expect(found.count == 6, "\(found)")
    }

    @Test("http must be an object; an unknown top-level key lists deadline and http")
    func shapes() {
        #expect(
            faults(Self.file(top: #""http": "fast""#)) == [
                "http: expected an object with timeout, connect_timeout, max_response_bytes, found a string"
            ])
        let unknown = faults(Self.file(top: #""dedline": "5m""#))
        #expect(unknown.count == 1)
        #expect(unknown.first?.contains(#"(did you mean "deadline"?)"#) == true, "\(unknown)")
    }

    @Test(
        "sizes are bytes or a number with a unit",
        arguments: [
            (JSON.number(1024), 1024), (.string("1500"), 1500), (.string("512KiB"), 524_288), (.string("8MiB"), 8_388_608),
            (.string("8 MiB"), 8_388_608), (.string("1.5MB"), 1_500_000), (.string("1GiB"), 1_073_741_824),
        ])
    func byteCounts(_ value: JSON, _ bytes: Int) {
        #expect(ByteCount.parse(value) == bytes)
    }

    @Test func byteCountsRejectedAndPrinted() {
        #expect(ByteCount.parse(.string("8XB")) == nil)
        #expect(ByteCount.parse(.number(-1)) == nil)
        #expect(ByteCount.parse(.number(1.5)) == nil)
        #expect(ByteCount.parse(.string("")) == nil)
        #expect(ByteCount.text(8 << 20) == "8 MiB")
        #expect(ByteCount.text(1_500_000) == "1.4 MiB")
        #expect(ByteCount.text(2048) == "2 KiB")
        #expect(ByteCount.text(100) == "100 bytes")
    }
}
