import Testing

@testable import HTTP
@testable import Pipeline

@Suite("LinkHeader")
struct LinkHeaderTests {
    @Test func githubStyle() {
        let links = LinkHeader.parse(
            #"<https://api.github.com/repositories/1/pulls?state=all&page=2>; rel="next", "#
                + #"<https://api.github.com/repositories/1/pulls?state=all&page=34>; rel="last""#)
        #expect(
            links == [
                "next": "https://api.github.com/repositories/1/pulls?state=all&page=2",
                "last": "https://api.github.com/repositories/1/pulls?state=all&page=34",
            ])
    }

    @Test func severalRelationsInOneParameter() {
        #expect(
            LinkHeader.parse(#"<https://x/?page=3>; rel="next last""#) == [
                "next": "https://x/?page=3", "last": "https://x/?page=3",
            ])
    }

    @Test func unquotedRelationAndOddWhitespace() {
        let links = LinkHeader.parse("  <https://x/?page=2> ;rel=next ,\t<https://x/?page=1>;  rel = PREV  ")
        #expect(links == ["next": "https://x/?page=2", "prev": "https://x/?page=1"])
    }

    @Test func commasInsideURLsAndOtherParameters() {
        let links = LinkHeader.parse(
            #"<https://x/?labels=a,b&page=2>; title="a, b; c"; rel="next", <https://x/?page=9>; type="text/html"; rel=last"#
        )
        #expect(links == ["next": "https://x/?labels=a,b&page=2", "last": "https://x/?page=9"])
    }

    @Test func firstLinkForARelationWins() {
        #expect(LinkHeader.parse(#"<https://a>; rel="next", <https://b>; rel="next""#) == ["next": "https://a"])
    }

    @Test(arguments: ["", "garbage", "<https://x>", "<https://x>; rel", "<unterminated; rel=next"])
    func malformedInputYieldsNothingUsable(_ header: String) {
        let links = LinkHeader.parse(header)
        #expect(links["next"] == nil)
    }
}
