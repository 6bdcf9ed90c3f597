import Expressions
import Testing

@Suite struct LexerTests {
    @Test func stringsTakeTheFiveEscapes() throws {
        #expect(try Evaluate.value(#""a\"b\\c\nd\te\rf""#) == .string("a\"b\\c\nd\te\rf"))
    }

    @Test func anUnknownEscapeNamesItsColumn() {
        let error = Evaluate.parseError(#"x == "a\qb""#)
        #expect(error?.column == 8)
        #expect(error?.message.hasPrefix("unknown escape \\q") == true)
    }

    @Test func anUnterminatedStringNamesWhereItOpens() {
        #expect(Evaluate.parseError(#"name == "abc"#) == ExpressionError(column: 9, "unterminated string: expected a closing \""))
    }

    @Test func numbersTakeFractionsAndExponents() throws {
        #expect(try Evaluate.value("1.5e3 + .5") == .number(1500.5))
    }

    @Test func aNumberGluedToANameIsAnError() {
        #expect(Evaluate.parseError("12days")?.column == 3)
    }

    @Test func aSingleEqualsSignSuggestsDoubleEquals() {
        let error = Evaluate.parseError("state = \"open\"")
        #expect(error == ExpressionError(column: 7, "unexpected character \"=\" (to compare, write ==)"))
        #expect(error?.description == "column 7: unexpected character \"=\" (to compare, write ==)")
    }

    @Test func singleQuotesAreNotStrings() {
        #expect(Evaluate.parseError("state == 'open'")?.message.contains("double quotes") == true)
    }

    @Test func aPathEndingInADotIsAnError() {
        #expect(Evaluate.parseError("assignee. == null") == ExpressionError(column: 10, "expected a field name after \".\""))
    }
}
