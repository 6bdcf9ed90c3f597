import Expressions
import Testing

@Suite struct ParserTests {
    @Test func multiplicationBindsTighterThanAddition() throws {
        #expect(try Evaluate.value("1 + 2 * 3") == .number(7))
        #expect(try Evaluate.value("(1 + 2) * 3") == .number(9))
    }

    @Test func subtractionAndDivisionAssociateLeft() throws {
        #expect(try Evaluate.value("10 - 4 - 3") == .number(3))
        #expect(try Evaluate.value("64 / 4 / 2") == .number(8))
    }

    @Test func unaryMinusBindsTighterThanMultiplication() throws {
        #expect(try Evaluate.value("-2 * 3") == .number(-6))
        #expect(try Evaluate.value("- -2") == .number(2))
    }

    @Test func andBindsTighterThanOr() throws {
        #expect(try Evaluate.value("true or false and false") == .bool(true))
        #expect(try Evaluate.value("(true or false) and false") == .bool(false))
    }

    @Test func notAppliesToAComparisonNotToTheAndAfterIt() throws {
        #expect(try Evaluate.value("not 1 == 2 and false") == .bool(false))
        #expect(try Evaluate.value("not 1 == 1") == .bool(false))
    }

    @Test func coalescingBindsLooserThanArithmeticAndTighterThanComparison() throws {
        #expect(try Evaluate.value("a ?? 1 + 1", ["a": nil]) == .number(2))
        #expect(try Evaluate.value("a ?? 1 == 1", [:]) == .bool(true))
        #expect(try Evaluate.value("a ?? b ?? 3", ["b": 2]) == .number(2))
    }

    @Test func comparisonsDoNotChain() {
        let error = Evaluate.parseError("1 < 2 < 3")
        #expect(error?.column == 7)
        #expect(error?.message.hasPrefix("comparisons do not chain") == true)
    }

    @Test func aMissingClosingParenthesisNamesTheColumnAndWhatWasExpected() {
        #expect(Evaluate.parseError("(1 + 2") == ExpressionError(column: 7, "expected \")\", found the end"))
        #expect(
            Evaluate.parseError("not (done or x") == ExpressionError(column: 15, "expected \")\", found the end"))
    }

    @Test func aDanglingOperatorExpectsAValue() {
        #expect(Evaluate.parseError("1 +") == ExpressionError(column: 4, "expected a value, a field or \"(\", found the end"))
        #expect(Evaluate.parseError("and x")?.column == 1)
    }

    @Test func twoValuesInARowExpectAnOperator() {
        #expect(
            Evaluate.parseError("a b")
                == ExpressionError(column: 3, "expected an operator or the end, found \"b\""))
    }

    @Test func anUnknownFunctionIsNamedWithTheKnownOnes() {
        let error = Evaluate.parseError("lenght(x)")
        #expect(error?.column == 1)
        #expect(error?.message.hasPrefix("unknown function \"lenght\"; known: time, now") == true)
    }

    @Test func aCallWithTheWrongNumberOfArgumentsIsAParseError() {
        #expect(Evaluate.parseError("contains(x)") == ExpressionError(column: 1, "contains() takes 2 arguments, given 1"))
        #expect(Evaluate.parseError("max()") == ExpressionError(column: 1, "max() takes 1 or more arguments, given 0"))
    }

    @Test func argumentsNeedACommaOrAClosingParenthesis() {
        #expect(Evaluate.parseError("min(1 2)") == ExpressionError(column: 7, "expected \",\" or \")\", found 2"))
    }
}

extension ParserTests {
    @Test func itIsDefinedOnlyInsideAPredicate() {
        let message = "\"it\" is the element inside the predicate of any(), all() or first() only"
        #expect(Evaluate.parseError("it.name == 1") == ExpressionError(column: 1, message))
        #expect(Evaluate.parseError("any(it, true)") == ExpressionError(column: 5, message))
        #expect(Evaluate.parseError("count(xs) > 0 and any(xs, it > 1) and it") == ExpressionError(column: 39, message))
        #expect(Evaluate.parseError("any(xs, all(it.ys, it > 0))") == nil)
    }

    @Test func aMemberAfterADotNeedsAName() {
        #expect(Evaluate.parseError("json(x).") == ExpressionError(column: 9, "expected a field name after \".\", found the end"))
        #expect(Evaluate.parseError("json(x).+")?.column == 9)
    }

    @Test func membersOfACallAreReadFromItsArguments() throws {
        #expect(try Expression("json(config).lr > 0").fieldsRead.map(\.description) == ["config"])
    }
}
