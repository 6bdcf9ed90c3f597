import Testing

@testable import HTTP
@testable import Pipeline

@Suite("URLBuilder, URLQuery and URLRedaction")
struct URLToolsTests {
    @Test func builderEncodesPathSegmentsAndQueryItems() {
        let url = URLBuilder("https://api.github.com/")
            .path("repos", "o", "r", "compare", "main...feature/a b")
            .query("q", "is:pr repo:o/r label:\"needs review\"")
            .query("per_page", 100)
            .query("since", nil as String?)
            .query([("ü", "&=?#")])
            .string
        #expect(
            url
                == "https://api.github.com/repos/o/r/compare/main...feature%2Fa%20b"
                + "?q=is%3Apr%20repo%3Ao%2Fr%20label%3A%22needs%20review%22&per_page=100&%C3%BC=%26%3D%3F%23")
    }

    @Test func builderWithoutQuery() {
        #expect(URLBuilder("https://h/api/v3").path("user").string == "https://h/api/v3/user")
    }

    @Test func percentDecodeRoundTrips() {
        let text = "a b/c?d=e&f+g~ü"
        #expect(URLQuery.percentDecode(URLQuery.percentEncode(text)) == text)
        #expect(URLQuery.percentDecode("a+b%20c") == "a b c")
        #expect(URLQuery.percentDecode("%zz") == nil)
    }

    @Test func settingReplacesOrAppends() {
        let next = "https://api.github.com/repositories/1/pulls?state=all&q=a+b&page=2#frag"
        #expect(
            URLQuery.setting("page", to: "7", in: next)
                == "https://api.github.com/repositories/1/pulls?state=all&q=a+b&page=7#frag")
        #expect(URLQuery.setting("page", to: "2", in: "https://x/items") == "https://x/items?page=2")
        #expect(
            URLQuery.setting("page", to: "3", in: "https://x/items?page=1&a=1&page=9") == "https://x/items?page=3&a=1")
        #expect(URLQuery.setting("q", to: "a b", in: "https://x/?") == "https://x/?q=a%20b")
    }

    @Test func readingItems() {
        let url = "https://x/?state=all&q=is%3Apr+author%3Ame&flag&page=3"
        #expect(URLQuery.value(of: "q", in: url) == "is:pr author:me")
        #expect(URLQuery.value(of: "flag", in: url) == "")
        #expect(URLQuery.value(of: "page", in: url) == "3")
        #expect(URLQuery.value(of: "missing", in: url) == nil)
        #expect(URLQuery.items(in: "https://x/").isEmpty)
    }

    @Test(arguments: [
        ("https://user:pa55@api.example.com/v1?x=1", "https://***@api.example.com/v1?x=1"),
        (
            "https://api.datadoghq.com/api/v2/series?api_key=abc&application_key=def&n=1",
            "https://api.datadoghq.com/api/v2/series?api_key=REDACTED&application_key=REDACTED&n=1"
        ),
        (
            "https://b.s3.amazonaws.com/k?X-Amz-Signature=ff&X-Amz-Credential=AK%2F1&X-Amz-Security-Token=t&v=2#top",
            "https://b.s3.amazonaws.com/k?X-Amz-Signature=REDACTED&X-Amz-Credential=REDACTED&X-Amz-Security-Token=REDACTED&v=2#top"
        ),
        ("https://x/?access_token=ghp_1&page=2", "https://x/?access_token=REDACTED&page=2"),
        ("https://x/path@with-at?page=2", "https://x/path@with-at?page=2"),
        ("not a url", "not a url"),
    ])
    func redaction(_ input: String, _ expected: String) {
        #expect(URLRedaction.redact(input) == expected)
    }

    @Test func hostKeys() {
        #expect(HostLimiter.key(for: "https://API.github.com/repos?x") == "https://api.github.com:443")
        #expect(HostLimiter.key(for: "http://u:p@127.0.0.1:8080/x") == "http://127.0.0.1:8080")
        #expect(HostLimiter.key(for: "http://[::1]/x") == "http://[::1]:80")
        #expect(HostLimiter.key(for: "/relative") == nil)
    }

    @Test func headersAreCaseInsensitive() {
        let headers: HTTPHeaders = ["Link": "<a>", "link": "<b>", "X-Id": "1"]
        #expect(headers["LINK"] == "<a>, <b>")
        #expect(headers.values("link") == ["<a>", "<b>"])
        #expect(headers["x-id"] == "1")
        #expect(headers["missing"] == nil)
    }
}
