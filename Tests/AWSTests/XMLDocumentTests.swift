import Testing

@testable import AWS
@testable import HTTP
@testable import Pipeline

struct XMLDocumentTests {
    @Test("with a selection, only the selected elements are built; the others are still checked")
    func selectionBuildsOnlyWhatItKeeps() throws {
        let xml = """
            <R xmlns:p="urn:x"><next>t</next><set><item><id>1</id><big><a>x</a><b/></big></item>
            <item><p:id>2</p:id><big>y</big>z</item></set><requestId>r</requestId></R>
            """
        let selection = FieldSelection.keys(["next": .all, "set": .keys(["item": .keys(["id": .all])])])
        let root = try XMLDocument.parse(Array(xml.utf8), keeping: selection)
        #expect(root.children.map(\.name) == ["next", "set"])
        let items = try #require(root.first("set")).all("item")
        #expect(items.map { $0.children.map(\.name) } == [["id"], ["id"]])
        #expect(items.map { $0.value("id") } == ["1", "2"])
        #expect(items[1].text == "z", "a kept element's own text stays")
        #expect(throws: XMLDocument.SyntaxError.self) {
            try XMLDocument.parse(Array("<R><set><big><a></b></big></set></R>".utf8), keeping: selection)
        }
    }

    @Test func parsesAnEC2StyleAnswerWithNamespacesAndDeclaration() throws {
        let root = try XMLDocument.parse(
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <!-- a comment before the root -->
            <DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
                <requestId>req-1</requestId>
                <reservationSet>
                    <item><instanceId>i-1</instanceId></item>
                    <!-- skipped -->
                    <item><instanceId>i-2</instanceId><ec2:tag xmlns:ec2="urn:x" ec2:key='Name'/></item>
                </reservationSet>
            </DescribeInstancesResponse>
            """)
        #expect(root.name == "DescribeInstancesResponse")
        #expect(root.attributes["xmlns"] == "http://ec2.amazonaws.com/doc/2016-11-15/")
        #expect(root.value("requestId") == "req-1")
        let items = try #require(root.first("reservationSet")).all("item")
        #expect(items.map { $0.value("instanceId") } == ["i-1", "i-2"])
        let tag = try #require(items[1].first("tag"))
        #expect(tag.attributes == ["xmlns:ec2": "urn:x", "key": "Name"])
        #expect(root.value("missing") == nil)
        #expect(root.descendant("instanceId")?.text == "i-1")
    }

    @Test func decodesEntitiesCharacterReferencesAndCDATA() throws {
        let root = try XMLDocument.parse(
            "<a t=\"&quot;x&quot; &amp; y\">1 &lt; 2 &gt; 0 &apos;&#65;&#x42;&#x1F600;<![CDATA[<raw> & ]]>end</a>")
        #expect(root.text == "1 < 2 > 0 'AB😀<raw> & end")
        #expect(root.attributes["t"] == "\"x\" & y")
    }

    @Test func keepsTextOfTheElementItselfNotItsChildren() throws {
        let root = try XMLDocument.parse("<a>one<b>two</b>three</a>")
        #expect(root.text == "onethree")
        #expect(root.value("b") == "two")
        #expect(try XMLDocument.parse("<a/>") == XMLElement(name: "a"))
        #expect(try XMLDocument.parse("<a><![CDATA[]]></a>").text == "")
    }

    @Test func namesTheByteOffsetOfSyntaxErrors() {
        let cases: [(String, Int, String)] = [
            ("<a><b></a>", 6, "</a> does not close <b>"),
            ("<a>&bogus;</a>", 3, "unknown entity &bogus;"),
            ("<a>", 3, "unexpected end of document"),
            ("", 0, "no root element"),
            ("<a></a><b/>", 7, "content after the root element"),
            ("<a x=1/>", 5, "expected a quoted value"),
            ("<a>&#0;</a>", 3, "invalid character reference"),
            ("<!DOCTYPE a [<!ENTITY x \"y\">]><a/>", 12, "DTD internal subsets"),
        ]
        for (text, offset, reason) in cases {
            do {
                _ = try XMLDocument.parse(text)
                Issue.record("parsed \(text)")
            } catch {
                #expect(error.offset == offset, "\(text)")
                #expect(error.description.hasPrefix("invalid XML at byte \(offset): \(reason)"), "\(text): \(error)")
            }
        }
    }

    @Test func parsesDeepNesting() throws {
        let depth = 1_000
        let text = String(repeating: "<a>", count: depth) + "x" + String(repeating: "</a>", count: depth)
        var element = try XMLDocument.parse(text)
        var levels = 1
        while let child = element.children.first {
            element = child
            levels += 1
        }
        #expect(levels == depth)
        #expect(element.text == "x")
    }
}
