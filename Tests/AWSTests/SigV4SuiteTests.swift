import Foundation
import Testing

@testable import AWS
@testable import HTTP
@testable import Pipeline

/// AWS's Signature Version 4 test suite (`Tests/Fixtures/aws-sigv4`, see its README), both
/// layouts: each applicable case's canonical request, string to sign and Authorization must
/// match byte for byte.
///
/// Not checked, on purpose:
/// - every `query-*` file of `signing-test-suite-v4/` (presigned URLs: the engine signs headers only);
/// - SigV4A (`v4a/`, asymmetric signing): not in the fixtures and not used by EC2 or Secrets Manager;
/// - the string to sign and Authorization of classic `post-x-www-form-urlencoded` and
///   `post-x-www-form-urlencoded-parameters`: the suite's own defect (they were computed without the
///   `content-length` its `.creq` signs); their canonical request is checked, and the consistent
///   versions in `signing-test-suite-v4/` are checked in full.
struct SigV4SuiteTests {
    /// One request of the suite, parsed from its `.req` / `request.txt`.
    struct SuiteRequest {
        var method: String
        var target: String
        var headers: [(String, String)]
        var body: [UInt8]

        /// `METHOD target HTTP/1.1`, header lines (a line starting with whitespace continues the
        /// previous value), a blank line, the body.
        init(_ text: String) throws {
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false)[...]
            let popped = lines.popFirst()
            let requestLine = try #require(popped)
            let firstSpace = try #require(requestLine.firstIndex(of: " "))
            let versionStart = try #require(requestLine.range(of: " HTTP/", options: .backwards))
            method = String(requestLine[..<firstSpace])
            target = String(requestLine[requestLine.index(after: firstSpace)..<versionStart.lowerBound])
            headers = []
            while let line = lines.popFirst(), !line.isEmpty {
                if line.first == " " || line.first == "\t" {
                    headers[headers.count - 1].1 += "\n" + line
                } else {
                    let colon = try #require(line.firstIndex(of: ":"))
                    headers.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
                }
            }
            body = Array(lines.joined(separator: "\n").utf8)
        }
    }

    static func read(_ url: URL) throws -> String { try String(contentsOf: url, encoding: .utf8) }

    /// Every folder holding a `.req` file, below `classic/` (cases nest one level in places).
    static func classicCases() throws -> [URL] {
        let root = AWSTestPaths.sigV4Fixtures.appendingPathComponent("classic")
        let files = try #require(FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil))
        return files.compactMap { $0 as? URL }.filter { $0.pathExtension == "req" }.sorted { $0.path < $1.path }
    }

    static let classicTrustCanonicalRequestOnly: Set<String> = [
        "post-x-www-form-urlencoded", "post-x-www-form-urlencoded-parameters",
    ]

    @Test func signsEveryClassicCaseLikeTheSuite() throws {
        let cases = try Self.classicCases()
        #expect(cases.count == 33)
        for reqFile in cases {
            let name = reqFile.deletingPathExtension().lastPathComponent
            let base = reqFile.deletingPathExtension()
            let request = try SuiteRequest(Self.read(reqFile))
            var credentials = suiteCredentials
            if let token = request.headers.first(where: { $0.0.lowercased() == "x-amz-security-token" })?.1 {
                credentials.sessionToken = token
            }
            if name == "get-vanilla-with-session-token" {
                // The suite signs a token its .req leaves out (see the fixtures' README).
                credentials.sessionToken = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267"
            }
            let signer = SigV4Signer(service: "service", region: "us-east-1")
            let signature = signer.signature(
                method: request.method, url: request.target, headers: request.headers, payload: .bytes(request.body),
                date: suiteDate, credentials: credentials)
            #expect(signature.canonicalRequest == (try Self.read(base.appendingPathExtension("creq"))), "\(name)")
            if Self.classicTrustCanonicalRequestOnly.contains(name) { continue }
            #expect(signature.stringToSign == (try Self.read(base.appendingPathExtension("sts"))), "\(name)")
            #expect(signature.authorization == (try Self.read(base.appendingPathExtension("authz"))), "\(name)")
        }
    }

    @Test func signsEveryHeaderCaseOfTheV4SuiteLikeTheSuite() throws {
        let root = AWSTestPaths.sigV4Fixtures.appendingPathComponent("signing-test-suite-v4")
        let names = try FileManager.default.contentsOfDirectory(atPath: root.path)
            .filter { !["LICENSE", "NOTICE"].contains($0) }.sorted()
        #expect(names.count == 38)
        for name in names {
            let folder = root.appendingPathComponent(name)
            func file(_ name: String) throws -> String { try Self.read(folder.appendingPathComponent(name)) }
            let context = try JSONParser.parse(try file("context.json"))
            let keys = try #require(context["credentials"])
            let credentials = AWSCredentials(
                accessKeyID: try #require(keys["access_key_id"]?.string),
                secretAccessKey: try #require(keys["secret_access_key"]?.string), sessionToken: keys["token"]?.string)
            #expect(context["timestamp"]?.string == "2015-08-30T12:36:00Z")
            let signer = SigV4Signer(
                service: try #require(context["service"]?.string), region: try #require(context["region"]?.string),
                normalizesPath: context["normalize"]?.bool ?? true, signsContentHash: context["sign_body"]?.bool ?? false,
                signsSessionToken: !(context["omit_session_token"]?.bool ?? false))
            let request = try SuiteRequest(try file("request.txt"))
            let signature = signer.signature(
                method: request.method, url: request.target, headers: request.headers, payload: .bytes(request.body),
                date: suiteDate, credentials: credentials)
            #expect(signature.canonicalRequest == (try file("header-canonical-request.txt")), "\(name)")
            #expect(signature.stringToSign == (try file("header-string-to-sign.txt")), "\(name)")
            #expect(signature.signature == (try file("header-signature.txt")), "\(name)")
            let signedRequest = try SuiteRequest(try file("header-signed-request.txt"))
            let expectedAuthorization = signedRequest.headers.first { $0.0 == "Authorization" }?.1
            #expect(signature.authorization == expectedAuthorization, "\(name)")
            // The headers sent carry the same date and token as the suite's signed request.
            for header in ["X-Amz-Date", "X-Amz-Security-Token", "x-amz-content-sha256"] {
                let expected = signedRequest.headers.first { $0.0.lowercased() == header.lowercased() }?.1
                let sent = signature.headers.first { $0.0.lowercased() == header.lowercased() }?.1
                #expect(sent == expected, "\(name): \(header)")
            }
        }
    }
}
