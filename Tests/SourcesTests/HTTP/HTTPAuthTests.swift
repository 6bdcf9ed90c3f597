import Foundation
import HTTP
import LoopbackHTTP
import Pipeline
import TestKit
import Testing

@testable import Sources

@Suite("http source: auth")
struct HTTPAuthTests {
    /// An auth option and the header (lower-case name) and value the server insists on.
    static let styles: [(auth: JSON, header: String, value: String)] = [
        (["type": "bearer", "token": "t0ken"], "authorization", "Bearer t0ken"),
        (["type": "basic", "user": "api", "password": "key"], "authorization", "Basic YXBpOmtleQ=="),
        (["type": "header", "name": "DD-API-KEY", "value": "dd-secret"], "dd-api-key", "dd-secret"),
    ]

    @Test("each auth style sends its header", arguments: 0..<3)
    func sendsHeader(style: Int) async throws {
        let (auth, header, value) = Self.styles[style]
        try await withServer({ request in
            request.headers[header] == value ? .json(items([1])) : .json("{\"message\":\"Bad credentials\"}", status: 401)
        }) { server in
            let records = try await runHTTP(["url": .string(server.baseURL + "/me"), "auth": auth])
            #expect(records.count == 1)
        }
    }

    @Test(
        "an empty credential (an unset ${VAR:-}) sends no credentials at all",
        arguments: [
            ["type": "bearer", "token": ""], ["type": "basic", "user": "", "password": ""],
            ["type": "header", "name": "X-API-Key", "value": ""],
        ] as [JSON])
    func emptyCredentialSendsNone(auth: JSON) async throws {
        let seen = Shared<[String]>([])
        try await withServer({ request in
            seen.update { $0.append(contentsOf: ["authorization", "x-api-key"].filter { request.headers[$0] != nil }) }
            return .json(items([1]))
        }) { server in
            let records = try await runHTTP(["url": .string(server.baseURL + "/me"), "auth": auth])
            #expect(records.count == 1)
        }
        #expect(seen.value.isEmpty, "\(seen.value)")
    }

    @Test("a wrong credential fails with the API's message")
    func wrongCredential() async throws {
        try await withServer({ _ in .json("{\"message\":\"Bad credentials\"}", status: 401) }) { server in
            let error = await httpError {
                _ = try await runHTTP([
                    "url": .string(server.baseURL + "/me"), "auth": ["type": "bearer", "token": "s3cr3t-t0ken"],
                ])
            }
            #expect(error?.kind == .status(401, message: "Bad credentials"))
            #expect(error.map { !"\($0)".contains("s3cr3t-t0ken") } == true, "the token is never in the message")
        }
    }

    @Test("no credentials to a next page on another origin", arguments: ["link", "next_url"])
    func credentialsStayWithOrigin(style: String) async throws {
        let leaked = Shared(0)
        try await withServer({ request in
            if request.headers["authorization"] != nil || request.headers["dd-api-key"] != nil { _ = leaked.increment() }
            return .json("{\"data\":[{\"id\":2}]}")
        }) { other in
            try await withServer({ _ in
                .json(
                    "{\"data\":[{\"id\":1}],\"next\":\"\(other.baseURL)/page2\"}",
                    headers: [("link", "<\(other.baseURL)/page2>; rel=\"next\"")])
            }) { server in
                for auth in Self.styles.map(\.auth) {
                    let pagination: JSON = style == "link" ? ["type": "link"] : ["type": "next_url", "path": "next"]
                    let error = await httpError {
                        _ = try await runHTTP([
                            "url": .string(server.baseURL + "/page1"), "records": "data", "auth": auth,
                            "pagination": pagination,
                        ])
                    }
                    guard case .offOrigin(let to, _, _)? = error?.kind else {
                        Issue.record("expected an off-origin refusal, got \(String(describing: error))")
                        continue
                    }
                    #expect(to.contains(String(other.port)))
                }
                #expect(other.requestCount == 0)
                #expect(leaked.value == 0)
            }
        }
    }

    @Test("a next page on the same origin keeps the credentials")
    func sameOriginKeepsCredentials() async throws {
        let base = Shared("")
        try await withServer({ request in
            guard request.headers["authorization"] == "Bearer t" else { return .json("{\"message\":\"no\"}", status: 401) }
            let next = request.path == "/1" ? [("link", "<\(base.value)/2>; rel=\"next\"")] : []
            return .json(items([request.path == "/1" ? 1 : 2]), headers: next)
        }) { server in
            base.update { $0 = server.baseURL }
            let records = try await runHTTP([
                "url": .string(server.baseURL + "/1"), "auth": ["type": "bearer", "token": "t"],
                "pagination": ["type": "link"],
            ])
            #expect(records.compactMap { $0["id"]?.number } == [1, 2])
        }
    }
}
