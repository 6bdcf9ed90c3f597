import Foundation
import LoopbackHTTP
import TestKit
import Testing

@testable import HTTP
@testable import Pipeline

/// `HTTPRequest.keeping`: a 2xx JSON answer reduced to what the caller keeps while it arrives,
/// against real servers on 127.0.0.1.
@Suite("HTTPClient: answers reduced to a selection as they arrive")
struct ResponseSelectionTests {
    static let page = #"""
        {"total_count": 2, "workflow_runs": [
          {"id": 1, "status": "completed", "repository": {"full_name": "o/r", "description": "a \"long\" one"}},
          {"id": 2, "status": "queued", "repository": {"full_name": "o/r", "description": null}}
        ]}
        """#
    static let selection = FieldSelection.keys(["total_count": .all, "workflow_runs": .keys(["id": .all])])

    @Test("a 2xx body holds only what the selection keeps, and parses to what the whole body gives")
    func successIsReduced() async throws {
        let server = try LoopbackServer { _ in .json(Self.page) }
        defer { server.stop() }
        let client = makeClient()
        defer { client.shutdown() }

        let response = try await client.send(HTTPRequest(url: server.baseURL + "/runs", keeping: Self.selection))

        #expect(response.text == #"{"total_count":2,"workflow_runs":[{"id":1},{"id":2}]}"#)
        #expect(try response.json(keeping: Self.selection) == JSONParser.parse(Array(Self.page.utf8), keeping: Self.selection))
    }

    @Test("a body sent in small pieces, split inside keys, strings and escapes, is reduced the same")
    func piecesAreReducedTheSame() async throws {
        let server = try ScriptedServer { writer in
            writer.write("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n")
            for piece in Array(Self.page.utf8).chunked(into: 5) {
                writer.write(Array(String(piece.count, radix: 16).utf8) + [13, 10] + piece + [13, 10])
                writer.pause(.milliseconds(2))
            }
            writer.write("0\r\n\r\n")
        }
        defer { server.stop() }
        let client = makeClient()
        defer { client.shutdown() }

        let response = try await client.send(HTTPRequest(url: server.baseURL + "/runs", keeping: Self.selection))

        #expect(response.text == #"{"total_count":2,"workflow_runs":[{"id":1},{"id":2}]}"#)
    }

    @Test("an error answer arrives whole, for its message")
    func errorsArriveWhole() async throws {
        let body = #"{"message": "Not Found", "documentation_url": "https://docs.github.com"}"#
        let server = try LoopbackServer { _ in .json(body, status: 404) }
        defer { server.stop() }
        let client = makeClient()
        defer { client.shutdown() }

        let response = try await client.send(HTTPRequest(url: server.baseURL + "/missing", keeping: Self.selection))

        #expect(response.status == 404)
        #expect(response.text == body)
    }

    @Test("a 2xx answer that is not JSON keeps its first error, at its line, for the caller")
    func invalidJSONKeepsItsError() async throws {
        let server = try LoopbackServer { _ in .json("{\"total_count\": 2,\n \"workflow_runs\": [<html>") }
        defer { server.stop() }
        let client = makeClient()
        defer { client.shutdown() }

        let response = try await client.send(HTTPRequest(url: server.baseURL + "/runs", keeping: Self.selection))

        guard case .json(let error)? = response.bodyError else {
            Issue.record("expected a JSON error, got \(String(describing: response.bodyError))")
            return
        }
        #expect(error.line == 2)
        #expect(error.reason == "unexpected character '<'")
        #expect(throws: JSONParser.SyntaxError.self) { try response.json(keeping: Self.selection) }
    }

    @Test("the size cap counts the bytes received, not the bytes kept")
    func capCountsBytesReceived() async throws {
        let records = (0..<200).map { #"{"id": \#($0), "padding": "\#(String(repeating: "x", count: 100))"}"# }
        let body = "{\"workflow_runs\": [" + records.joined(separator: ",") + "]}"
        // Chunked, without a Content-Length: the cap applies as the bytes arrive.
        let server = try ScriptedServer { writer in
            writer.write("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n")
            for piece in Array(body.utf8).chunked(into: 1000) {
                guard writer.write(Array(String(piece.count, radix: 16).utf8) + [13, 10] + piece + [13, 10]) else { return }
            }
            writer.write("0\r\n\r\n")
        }
        defer { server.stop() }
        let client = HTTPClient(
            configuration: .init(maxResponseBytes: 10_000, retry: .none, logger: Logger(label: "t", level: .error)))
        defer { client.shutdown() }

        let error = await httpError {
            _ = try await client.send(HTTPRequest(url: server.baseURL + "/runs", keeping: Self.selection))
        }

        guard case .responseTooLarge? = error?.kind else {
            Issue.record("expected responseTooLarge, got \(String(describing: error))")
            return
        }
    }
}

extension Array {
    fileprivate func chunked(into size: Int) -> [[Element]] {
        stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
    }
}
