import Foundation
import LoopbackHTTP
import TestKit
import Testing

@testable import HTTP
@testable import Pipeline

/// Credentials go only to the origin they were configured for: not along a redirect, not along
/// a `next` link, whatever the header is called.
@Suite("Credentials stay with their origin")
struct CredentialScopeTests {
    /// A server that records every request it gets and answers `{}`.
    static func recorder() throws -> (LoopbackServer, Shared<[HTTPRequestHead]>) {
        let seen = Shared<[HTTPRequestHead]>([])
        let server = try LoopbackServer { request in
            seen.update { $0.append(request) }
            return .json("{}")
        }
        return (server, seen)
    }

    static func redirecting(to location: String, status: Int = 307) throws -> LoopbackServer {
        try LoopbackServer { _ in LoopbackResponse(status: status, headers: [("Location", location)]) }
    }

    @Test(arguments: [("DD-API-KEY", "k3y"), ("Authorization", "Bearer t0k3n"), ("X-Api-Key", "k3y"), ("Cookie", "s=1")])
    func aCredentialHeaderIsNotSentAlongARedirectToAnotherPort(header: String, value: String) async throws {
        let (elsewhere, seen) = try Self.recorder()
        defer { elsewhere.stop() }
        let origin = try Self.redirecting(to: elsewhere.baseURL + "/steal")
        defer { origin.stop() }
        let client = makeClient()
        defer { client.shutdown() }

        let error = await #expect(throws: HTTPError.self) {
            try await client.send(
                HTTPRequest(method: "POST", url: origin.baseURL + "/api/v2/series", headers: [(header, value)], body: [1]))
        }

        #expect(seen.value.isEmpty)
        guard case .offOrigin(let to, let how, let headers)? = error?.kind else {
            Issue.record("expected offOrigin, got \(String(describing: error))")
            return
        }
        #expect(to == elsewhere.baseURL)
        #expect(how == "a 307 redirect")
        #expect(headers == [header])
        #expect(error?.description.contains(value) == false)
    }

    @Test func anotherHostNameOnTheSamePortIsAnotherOrigin() async throws {
        let (target, seen) = try Self.recorder()
        defer { target.stop() }
        let origin = try Self.redirecting(to: "http://localhost:\(target.port)/x", status: 302)
        defer { origin.stop() }
        let client = makeClient()
        defer { client.shutdown() }

        await #expect(throws: HTTPError.self) {
            try await client.send(.get(origin.baseURL + "/", headers: [("Authorization", "Bearer t")]))
        }
        #expect(seen.value.isEmpty)
    }

    @Test func aRedirectWithinTheOriginKeepsEveryHeader() async throws {
        let seen = Shared<[HTTPRequestHead]>([])
        let server = try LoopbackServer { request in
            seen.update { $0.append(request) }
            if request.path == "/old" { return LoopbackResponse(status: 301, headers: [("Location", "/new")]) }
            return .json("{}")
        }
        defer { server.stop() }
        let client = makeClient()
        defer { client.shutdown() }

        let response = try await client.send(.get(server.baseURL + "/old", headers: [("DD-API-KEY", "k3y")]))

        #expect(response.status == 200)
        #expect(response.url == server.baseURL + "/new")
        #expect(seen.value.map(\.path) == ["/old", "/new"])
        #expect(seen.value.last?.headers["dd-api-key"] == "k3y")
    }

    @Test func aRequestWithoutCredentialsFollowsARedirectToAnotherHost() async throws {
        let (target, seen) = try Self.recorder()
        defer { target.stop() }
        let origin = try Self.redirecting(to: target.baseURL + "/public", status: 302)
        defer { origin.stop() }
        let client = makeClient()
        defer { client.shutdown() }

        let response = try await client.send(.get(origin.baseURL + "/", headers: [("Accept", "application/json")]))

        #expect(response.status == 200)
        #expect(seen.value.map(\.path) == ["/public"])
    }

    @Test func a303TurnsAPostIntoAGetAndA307RepeatsIt() async throws {
        let seen = Shared<[HTTPRequestHead]>([])
        let server = try LoopbackServer { request in
            seen.update { $0.append(request) }
            switch request.path {
            case "/see-other": return LoopbackResponse(status: 303, headers: [("Location", "/result")])
            case "/temporary": return LoopbackResponse(status: 307, headers: [("Location", "/again")])
            default: return .json("{}")
            }
        }
        defer { server.stop() }
        let client = makeClient()
        defer { client.shutdown() }

        _ = try await client.send(HTTPRequest(method: "POST", url: server.baseURL + "/see-other", body: Array("a=1".utf8)))
        _ = try await client.send(HTTPRequest(method: "POST", url: server.baseURL + "/temporary", body: Array("b=2".utf8)))

        #expect(
            seen.value.map { "\($0.method) \($0.path) \(String(decoding: $0.body, as: UTF8.self))" } == [
                "POST /see-other a=1", "GET /result ", "POST /temporary b=2", "POST /again b=2",
            ])
    }

    @Test func aRedirectLoopEndsWithAnError() async throws {
        let server = try LoopbackServer { request in
            LoopbackResponse(status: 302, headers: [("Location", request.path == "/a" ? "/b" : "/a")])
        }
        defer { server.stop() }
        let client = makeClient()
        defer { client.shutdown() }

        let error = await #expect(throws: HTTPError.self) { try await client.send(.get(server.baseURL + "/a")) }
        #expect(error?.description.contains("more than 5 redirects") == true)
        #expect(server.requestCount == 6)
    }

    @Test(arguments: [false, true])
    func aNextLinkToAnotherHostIsNotFollowedWithCredentials(concurrently: Bool) async throws {
        let (elsewhere, seen) = try Self.recorder()
        defer { elsewhere.stop() }
        let origin = try LoopbackServer { _ in
            .json(
                "[1]",
                headers: [
                    (
                        "Link",
                        "<\(elsewhere.baseURL)/items?page=2>; rel=\"next\", <\(elsewhere.baseURL)/items?page=3>; rel=\"last\""
                    )
                ])
        }
        defer { origin.stop() }
        let client = makeClient()
        defer { client.shutdown() }
        let pages = Shared(0)

        let error = await #expect(throws: HTTPError.self) {
            try await client.paginate(
                .get(origin.baseURL + "/items?page=1", headers: [("Authorization", "Bearer t0k3n")]), concurrently: concurrently
            ) { _, _ in
                pages.update { $0 += 1 }
                return .continue
            }
        }

        #expect(seen.value.isEmpty)
        #expect(pages.value == 1)
        #expect(error?.description.contains("the next link points to another host, \(elsewhere.baseURL)") == true)
    }
}
