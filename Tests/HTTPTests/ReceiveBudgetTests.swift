import LoopbackHTTP
import TestKit
import Testing

@testable import HTTP
@testable import Pipeline

/// The curl thread reads a bounded number of bytes per round and pauses the transfers that find
/// the round's budget spent: every answer must still arrive whole, whatever pauses it went through.
@Suite("HTTPClient: answers read a budget per round, paused and resumed")
struct ReceiveBudgetTests {
    @Test("a round's budget lets its first chunk through, then pauses until the next round")
    func budgetPerRound() {
        let budget = ReceiveBudget()
        #expect(budget.take(ReceiveBudget.perRound + 1))
        #expect(!budget.take(1))
        budget.refill()
        #expect(budget.take(1))
        #expect(budget.take(ReceiveBudget.perRound - 1))
        #expect(!budget.take(1))
    }

    /// A body of `count` bytes, different for every `seed` (cheap to make: the suite shares its
    /// machine with timing tests).
    static func body(seed: Int, count: Int) -> [UInt8] {
        let pattern = (0..<4_093).map { UInt8(truncatingIfNeeded: ($0 &* (2 &* seed &+ 1)) ^ ($0 >> 7) ^ seed) }
        var body: [UInt8] = []
        body.reserveCapacity(count)
        while body.count < count { body += pattern.prefix(count - body.count) }
        return body
    }

    @Test("twelve large answers arriving together arrive whole, plain and gzip-encoded")
    func largeConcurrentAnswersArriveWhole() async throws {
        let expected = (0..<12).map { Self.body(seed: $0, count: 700_000) }
        let encoded = expected.enumerated().map { $0.offset % 2 == 1 ? StoredGzip.encode($0.element) : $0.element }
        let server = try LoopbackServer { request in
            let seed = Int(request.query["seed"] ?? "") ?? 0
            let headers = seed % 2 == 1 ? [("Content-Encoding", "gzip")] : []
            return LoopbackResponse(status: 200, headers: headers, body: encoded[seed])
        }
        defer { server.stop() }
        let client = makeClient()
        defer { client.shutdown() }

        let bodies = try await withThrowingTaskGroup(of: (Int, [UInt8]).self) { group in
            for seed in 0..<12 {
                group.addTask { (seed, try await client.send(.get(server.baseURL + "/big?seed=\(seed)")).body) }
            }
            var bodies: [Int: [UInt8]] = [:]
            for try await (seed, body) in group { bodies[seed] = body }
            return bodies
        }
        for seed in 0..<12 {
            #expect(bodies[seed] == expected[seed], "answer \(seed) (gzip: \(seed % 2 == 1))")
        }
    }

    @Test("large answers reduced as they arrive, paused between rounds, equal the parser's reduction of the whole")
    func reducedAnswersSurvivePauses() async throws {
        @Sendable func page(_ seed: Int) -> String {
            let items = (0..<4_000).map {
                #"{"id":\#($0 + seed),"name":"item \#($0)","url":"https://example.test/\#(seed)/\#($0)","nested":{"a":[1,2,3],"b":"\u00e9"}}"#
            }
            return #"{"total_count":4000,"items":["# + items.joined(separator: ",") + "]}"
        }
        let server = try LoopbackServer { request in
            .json(page(Int(request.query["seed"] ?? "") ?? 0))
        }
        defer { server.stop() }
        let client = makeClient()
        defer { client.shutdown() }
        let selection = FieldSelection.keys(["total_count": .all, "items": .keys(["id": .all, "nested": .keys(["b": .all])])])

        try await withThrowingTaskGroup(of: Void.self) { group in
            for seed in 0..<8 {
                group.addTask {
                    var request = HTTPRequest.get(server.baseURL + "/page?seed=\(seed)")
                    request.keeping = selection
                    let response = try await client.send(request)
                    let expected = try JSONParser.parse(Array(page(seed).utf8), keeping: selection)
                    #expect(try response.json(keeping: selection) == expected, "page \(seed)")
                    #expect(response.body.count < page(seed).utf8.count / 2, "page \(seed) was reduced")
                }
            }
            try await group.waitForAll()
        }
    }
}

/// gzip (RFC 1952) of stored deflate blocks (RFC 1951, BTYPE 00): a valid encoding that needs
/// no compressor, so curl's decoder runs on answers of any size.
enum StoredGzip {
    static func encode(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF]
        var start = 0
        repeat {
            let end = min(data.count, start + 65_535)
            let length = UInt16(end - start)
            out.append(end == data.count ? 1 : 0)
            out += [UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8(~length >> 8)]
            out += data[start..<end]
            start = end
        } while start < data.count
        for value in [crc32(data), UInt32(truncatingIfNeeded: data.count)] {
            out += [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF), UInt8((value >> 16) & 0xFF), UInt8(value >> 24)]
        }
        return out
    }

    static func crc32(_ data: [UInt8]) -> UInt32 {
        var table = [UInt32](repeating: 0, count: 256)
        for index in 0..<256 {
            var c = UInt32(index)
            for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            table[index] = c
        }
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}
