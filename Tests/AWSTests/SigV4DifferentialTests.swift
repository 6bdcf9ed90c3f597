import FakeGitHub
import Foundation
import Testing

@testable import AWS
@testable import HTTP
@testable import Pipeline

/// 200 random requests signed by `SigV4Signer` and by botocore's `SigV4Auth`
/// (`botocore_sigv4.py`, one subprocess for all of them): the Authorization headers must be equal.
struct SigV4DifferentialTests {
    struct Case {
        var method: String
        var url: String
        var headers: [(String, String)]
        var body: [UInt8]
        var credentials: AWSCredentials
        var region: String
        var service: String
        var date: Date
    }

    static func makeCases(count: Int, seed: UInt64) -> [Case] {
        var random = SeededGenerator(seed: seed)
        let pieces = [
            "a", "Z", "0", "-", "_", ".", "~", " ", "%", "+", "=", "&", "@", ":", "!", "*", "'", "(", "ü", "ሴ", "😀", "/",
        ]
        func word(_ maxLength: Int) -> String {
            (0..<Int.random(in: 0...maxLength, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
        }
        return (0..<count).map { _ in
            let hosts = [
                "example.amazonaws.com", "ec2.eu-west-1.amazonaws.com", "127.0.0.1:4566",
                "secretsmanager.us-east-1.amazonaws.com:443",
            ]
            let scheme = Bool.random(using: &random) ? "https" : "http"
            var segments: [String] = []
            for _ in 0..<Int.random(in: 0...5, using: &random) {
                switch Int.random(in: 0..<10, using: &random) {
                case 0: segments.append(".")
                case 1: segments.append("..")
                case 2: segments.append("")
                default: segments.append(URLQuery.percentEncode(word(6)))
                }
            }
            var path = "/" + segments.joined(separator: "/")
            if Bool.random(using: &random) && !segments.isEmpty { path += "/" }
            var items: [String] = []
            var lastName: String?
            for _ in 0..<Int.random(in: 0...5, using: &random) {
                // Names repeat half the time, with another value.
                let name = lastName.flatMap { Bool.random(using: &random) ? $0 : nil } ?? word(4)
                lastName = name
                switch Int.random(in: 0..<5, using: &random) {
                case 0: items.append(URLQuery.percentEncode(name) + "=")
                case 1 where !name.isEmpty: items.append(URLQuery.percentEncode(name))
                default: items.append(URLQuery.percentEncode(name) + "=" + URLQuery.percentEncode(word(8)))
                }
            }
            let query = items.filter { !$0.isEmpty && $0 != "=" }
            let url =
                "\(scheme)://\(hosts.randomElement(using: &random)!)\(path)"
                + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))

            var headers: [(String, String)] = []
            let names = ["X-Custom", "x-custom", "My-Header1", "Content-Type", "X-Amz-Target", "Accept", "x-a-b-c"]
            let spaces = [" ", "  ", "\t", " \t "]
            for _ in 0..<Int.random(in: 0...5, using: &random) {
                let value =
                    (0..<Int.random(in: 0...3, using: &random)).map { _ in
                        spaces.randomElement(using: &random)! + ["v", "value", "a,b", "ü", "x=y", ""].randomElement(
                            using: &random)!
                    }.joined() + (Bool.random(using: &random) ? spaces.randomElement(using: &random)! : "")
                headers.append((names.randomElement(using: &random)!, value))
            }
            let body: [UInt8] = Bool.random(using: &random) ? [] : Array(word(40).utf8)
            let credentials = AWSCredentials(
                accessKeyID: "AKID" + String(UInt32.random(in: 0...UInt32.max, using: &random)),
                secretAccessKey: "secret/" + word(10),
                sessionToken: Bool.random(using: &random)
                    ? "token+" + String(UInt64.random(in: 0...UInt64.max, using: &random)) + "==" : nil)
            return Case(
                method: ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"].randomElement(using: &random)!, url: url,
                headers: headers,
                body: body, credentials: credentials,
                region: ["us-east-1", "eu-west-1", "ap-southeast-2", "us-gov-west-1"].randomElement(using: &random)!,
                service: ["ec2", "sts", "secretsmanager", "service", "iam"].randomElement(using: &random)!,
                date: Date(timeIntervalSince1970: 1_600_000_000 + Double(Int.random(in: 0...300_000_000, using: &random))))
        }
    }

    static func specLine(_ c: Case) -> String {
        let spec: JSON = [
            "method": .string(c.method), "url": .string(c.url),
            "headers": .array(c.headers.map { [.string($0.0), .string($0.1)] }),
            "body_base64": .string(Data(c.body).base64EncodedString()),
            "access_key": .string(c.credentials.accessKeyID), "secret_key": .string(c.credentials.secretAccessKey),
            "token": c.credentials.sessionToken.map(JSON.string) ?? .null,
            "region": .string(c.region), "service": .string(c.service), "timestamp": .string(AWSDate.amzDate(c.date)),
        ]
        return spec.jsonText
    }

    @Test func agreesWithBotocoreOn200RandomRequests() async throws {
        let cases = Self.makeCases(count: 200, seed: 20_261_123)
        let script = AWSTestPaths.packageRoot.appendingPathComponent("Tests/AWSTests/botocore_sigv4.py")
        let output = try await PythonRunner.run(script: script, input: cases.map(Self.specLine).joined(separator: "\n") + "\n")
        let answers = try output.split(separator: "\n").map { try JSONParser.parse(String($0)) }
        try #require(answers.count == cases.count)
        var mismatches = 0
        for (index, (c, answer)) in zip(cases, answers).enumerated() {
            let ours = SigV4Signer(service: c.service, region: c.region).signature(
                method: c.method, url: c.url, headers: c.headers, payload: .bytes(c.body), date: c.date,
                credentials: c.credentials)
            if ours.authorization != answer["authorization"]?.string {
                mismatches += 1
                #expect(
                    ours.canonicalRequest == answer["canonical_request"]?.string,
                    "case \(index): \(c.method) \(c.url) \(c.headers)")
                #expect(ours.authorization == answer["authorization"]?.string, "case \(index)")
            }
        }
        #expect(mismatches == 0)
        // The cases really do cover the awkward parts.
        #expect(cases.contains { $0.url.contains("/../") || $0.url.contains("/./") })
        #expect(cases.contains { $0.url.contains("%25") && $0.url.contains("?") })
        #expect(cases.contains { $0.credentials.sessionToken != nil })
        #expect(cases.contains { c in Set(c.headers.map { $0.0.lowercased() }).count < c.headers.count })
    }
}
