import FakeDatadog
import Foundation
import HTTP
import Pipeline
import Sinks
import Testing

@Suite("Datadog compression")
struct DatadogCompressionTests {
    @Test(
        "gzip and deflate round-trip through an independent inflater", arguments: [DatadogCompression.gzip, .deflate])
    func roundTrip(compression: DatadogCompression) throws {
        let json = DatadogPayload(ddGauges(5_000)).encoded()
        let compressed = try compression.compress(json)
        #expect(compressed.count < json.count / 5)
        #expect(Inflate.decode(compressed, encoding: compression.rawValue, limit: json.count) == .ok(json))
        // One byte less than the JSON is refused: the inflater's size guard works.
        #expect(Inflate.decode(compressed, encoding: compression.rawValue, limit: json.count - 1) == .tooLarge)
    }

    @Test("gzip writes a gzip member (1f 8b), deflate a zlib stream (78 …); none sends the JSON as it is")
    func formats() throws {
        let json = Array(#"{"series":[]}"#.utf8)
        #expect(Array(try DatadogCompression.gzip.compress(json).prefix(2)) == [0x1F, 0x8B])
        #expect(try DatadogCompression.deflate.compress(json).first == 0x78)
        #expect(try DatadogCompression.none.compress(json) == json)
        #expect(DatadogCompression.none.contentEncoding == nil)
        #expect(Inflate.decode(try DatadogCompression.gzip.compress([]), encoding: "gzip", limit: 10) == .ok([]))
    }

    @Test("a body that does not match its Content-Encoding is corrupt")
    func mismatch() throws {
        let gzip = try DatadogCompression.gzip.compress(Array("hello".utf8))
        guard case .corrupt = Inflate.decode(gzip, encoding: "deflate", limit: 100) else {
            Issue.record("a gzip body passed as deflate")
            return
        }
        guard case .corrupt = Inflate.decode(Array(gzip.dropLast(4)), encoding: "gzip", limit: 100) else {
            Issue.record("a truncated body passed")
            return
        }
    }
}

@Suite("Datadog batching")
struct DatadogBatchingTests {
    /// Values that compress badly, so the compressed limit is the one that binds.
    static func noisy(_ i: Int) -> Double { Double((i &* 2_654_435_761) % 1_000_003) / 7.0 }

    @Test("100,000 points under Datadog's own limits: 10 requests of at most 10,000 points, each point once")
    func hundredThousandPoints() async throws {
        let bed = try DatadogTestbed()
        let points = ddGauges(100_000, value: Self.noisy)
        let error = await bed.run(bed.sink(), points)
        #expect(error == nil, "\(error?.message ?? "")")
        #expect(bed.fake.acceptedRequestCount == 10)
        #expect(bed.fake.requests.allSatisfy { $0.status == 202 })
        #expect(bed.fake.maxPointsPerRequest <= 10_000)
        #expect(bed.fake.maxWireBytes <= 512_000)
        #expect(bed.fake.maxDecompressedBytes <= 5_242_880)
        #expect(bed.fake.receivedExactlyOnce(points))
        #expect(try bed.queued() == 0)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var limits: DatadogLimits
        var compression: DatadogCompression
        var testDescription: String { name }
    }

    @Test(
        "every request stays under the limit that binds, and every point arrives once",
        arguments: [
            Case(
                name: "compressed size",
                limits: .init(maxCompressedBytes: 6_000, maxUncompressedBytes: 5_242_880, maxPoints: 10_000),
                compression: .gzip),
            Case(
                name: "compressed size, deflate",
                limits: .init(maxCompressedBytes: 6_000, maxUncompressedBytes: 5_242_880, maxPoints: 10_000),
                compression: .deflate),
            Case(
                name: "uncompressed size",
                limits: .init(maxCompressedBytes: 512_000, maxUncompressedBytes: 40_000, maxPoints: 10_000),
                compression: .gzip),
            Case(
                name: "uncompressed size, no compression",
                limits: .init(maxCompressedBytes: 30_000, maxUncompressedBytes: 5_242_880, maxPoints: 10_000),
                compression: .none),
            Case(
                name: "points",
                limits: .init(maxCompressedBytes: 512_000, maxUncompressedBytes: 5_242_880, maxPoints: 700),
                compression: .gzip),
        ])
    func limitsRespected(testCase: Case) async throws {
        let limits = testCase.limits
        let bed = try DatadogTestbed(
            limits: .init(
                maxCompressedBytes: limits.maxCompressedBytes, maxDecompressedBytes: limits.maxUncompressedBytes,
                maxPoints: limits.maxPoints))
        // Several metrics and tag sets, so series grouping and splitting interact.
        let points = (0..<4).flatMap { m in
            ddGauges(3_000, metric: "test.metric_\(m)", tags: ["env:test", "shard:\(m)"], value: Self.noisy)
        }
        let error = await bed.run(
            bed.sink(bed.configuration(compression: testCase.compression, limits: limits)), points)
        #expect(error == nil, "\(error?.message ?? "")")
        #expect(
            bed.fake.requests.allSatisfy { $0.status == 202 },
            "a request was refused: \(bed.fake.requests.map(\.status))")
        #expect(bed.fake.maxWireBytes <= limits.maxCompressedBytes)
        #expect(bed.fake.maxDecompressedBytes <= limits.maxUncompressedBytes)
        #expect(bed.fake.maxPointsPerRequest <= limits.maxPoints)
        #expect(bed.fake.acceptedRequestCount > 1)
        #expect(bed.fake.receivedExactlyOnce(points))
        #expect(try bed.queued() == 0)
        if let encoding = testCase.compression.contentEncoding {
            #expect(bed.fake.requests.allSatisfy { $0.contentEncoding == encoding })
        } else {
            #expect(bed.fake.requests.allSatisfy { $0.contentEncoding == nil })
        }
    }

    @Test("a 413 halves the batch and sends each half; every point arrives once")
    func splitOn413() async throws {
        let bed = try DatadogTestbed()
        bed.fake.inject(.status(413))
        let points = ddGauges(1_000)
        let error = await bed.run(bed.sink(), points)
        #expect(error == nil, "\(error?.message ?? "")")
        #expect(bed.fake.requests.map(\.status) == [413, 202, 202])
        #expect(bed.fake.requests.dropFirst().map(\.points) == [500, 500])
        #expect(bed.fake.receivedExactlyOnce(points))
        #expect(try bed.queued() == 0)
    }

    @Test("an intake stricter than the sink's limits answers 413 until the halves fit")
    func splitUntilItFits() async throws {
        let bed = try DatadogTestbed(
            limits: .init(maxCompressedBytes: 512_000, maxDecompressedBytes: 5_242_880, maxPoints: 300))
        let points = ddGauges(2_000)
        let error = await bed.run(bed.sink(), points)
        #expect(error == nil, "\(error?.message ?? "")")
        #expect(bed.fake.requests.contains { $0.status == 413 })
        #expect(bed.fake.receivedExactlyOnce(points))
        #expect(try bed.queued() == 0)
    }

    @Test("a page of the outbox smaller than a batch still sends everything, oldest first")
    func smallPages() async throws {
        let bed = try DatadogTestbed()
        let older = ddGauges(250, timestamp: ddNow - 600)
        let newer = ddGauges(250, timestamp: ddNow)
        let error = await bed.run(bed.sink(bed.configuration(pageSize: 64)), newer + older)
        #expect(error == nil, "\(error?.message ?? "")")
        #expect(bed.fake.receivedExactlyOnce(older + newer))
        let timestamps = bed.fake.receivedPoints.map(\.timestamp)
        #expect(timestamps == timestamps.sorted())
    }
}
