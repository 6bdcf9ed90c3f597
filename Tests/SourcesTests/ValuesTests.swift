import Pipeline
import TestKit
import Testing

@testable import Sources

@Suite("values source")
struct ValuesTests {
    static func values(_ options: JSON) async throws -> [JSON] {
        let http = makeTestClient()
        defer { http.shutdown() }
        return try await runSource("values", options, input: nil, http: http)
    }

    @Test("a separated string: one record per item, trimmed, empty and repeated items dropped")
    func splitString() async throws {
        let records = try await Self.values(["items": " 123, 456,,789 ,123,", "split": ",", "field": "gid"])
        #expect(records == [["gid": "123"], ["gid": "456"], ["gid": "789"]])
    }

    @Test("without split the string is one item; a list gives its items; the field defaults to value")
    func wholeStringAndList() async throws {
        #expect(try await Self.values(["items": "a,b"]) == [["value": "a,b"]])
        #expect(try await Self.values(["items": ["x", " y "]]) == [["value": "x"], ["value": "y"]])
    }

    @Test("no item at all, an empty separator or an empty field name fails at the option")
    func refusals() {
        #expect(optionsFailure("values", ["items": " , ", "split": ","])?.path == ["stages", "under_test", "items"])
        #expect(optionsFailure("values", ["items": "a", "split": ""])?.path == ["stages", "under_test", "split"])
        #expect(optionsFailure("values", ["items": "a", "field": ""])?.path == ["stages", "under_test", "field"])
        #expect(optionsFailure("values", ["items": 3])?.path.last == "items")
    }
}
