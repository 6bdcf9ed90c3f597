import Testing

@testable import Pipeline

@Suite("Timestamp")
struct TimestampTests {
    // Epoch seconds computed independently (GNU `date -u -d … +%s`).

    @Test(
        "parses UTC date-times with Z",
        arguments: [
            ("2026-11-23T05:30:00Z", 1_795_411_800.0), ("1970-01-01T00:00:00Z", 0),
            ("2026-01-01T00:00:00Z", 1_767_225_600),
            ("2026-11-23t05:30:00z", 1_795_411_800), ("2026-11-23 05:30:00Z", 1_795_411_800),
            ("2026-11-23T05:30:00", 1_795_411_800), ("2026-11-23T05:30Z", 1_795_411_800),
        ])
    func utc(text: String, expected: Double) {
        #expect(Timestamp.parse(text) == expected)
    }

    @Test(
        "applies offsets: +HH:MM, -HH:MM, +HHMM, +HH",
        arguments: [
            ("2026-11-23T07:30:00+02:00", 1_795_411_800.0), ("2026-11-23T00:00:00-05:30", 1_795_411_800),
            ("2026-11-23T07:30:00+0200", 1_795_411_800), ("2026-11-23T07:30:00+02", 1_795_411_800),
            ("2026-11-23T05:30:00+00:00", 1_795_411_800), ("2026-11-23T05:30:00-00:00", 1_795_411_800),
        ])
    func offsets(text: String, expected: Double) {
        #expect(Timestamp.parse(text) == expected)
    }

    @Test("keeps fractions of a second, with a point or a comma")
    func fractions() throws {
        let base = 1_795_411_800.0
        #expect(try #require(Timestamp.parse("2026-11-23T05:30:00.5Z")) == base + 0.5)
        #expect(abs(try #require(Timestamp.parse("2026-11-23T05:30:00,250Z")) - (base + 0.25)) < 1e-9)
        #expect(
            abs(try #require(Timestamp.parse("2026-11-23T05:30:01.123456+01:00")) - (base - 3599 + 0.123456)) < 1e-6)
    }

    @Test("parses a date alone as its midnight UTC")
    func dateOnly() {
        #expect(Timestamp.parse("2026-11-23") == 1_795_392_000)
        #expect(Timestamp.parse("2000-02-29") == 951_782_400)
    }

    @Test(
        "rejects what is not an ISO 8601 time",
        arguments: [
            "", "garbage", "2026-11", "2026-1-23", "26-11-23", "2026-13-01", "2026-00-10", "2026-11-00", "2026-11-32",
            "2026-02-30", "2025-02-29", "1900-02-29", "2026-04-31", "2026-11-23T24:00:00Z", "2026-11-23T10:60Z",
            "2026-11-23T10:00:61Z", "2026-11-23T10Z", "2026-11-23T10:00:00.Z", "2026-11-23T10:00:00Zjunk",
            "2026-11-23X10:00:00Z", "2026-11-23T10:00:00+2", "2026-11-23T10:00:00 +02:00", "2026-11-23T10:00:00+02:00x",
        ])
    func invalid(text: String) {
        #expect(Timestamp.parse(text) == nil, "\(text) should not parse")
    }

    @Test("accepts February 29 in leap years only")
    func leapDays() {
        #expect(Timestamp.parse("2024-02-29T12:00:00Z") == 1_709_208_000)
        #expect(Timestamp.parse("2000-02-29T00:00:00Z") == 951_782_400, "divisible by 400: leap")
        #expect(Timestamp.parse("1900-02-29") == nil, "divisible by 100 only: not leap")
        #expect(Timestamp.parse("1900-03-01T00:00:00Z") == -2_203_891_200)
        #expect(Timestamp.parse("2100-03-01T00:00:00Z") == 4_107_542_400)
    }

    @Test("parses times before 1970 as negative seconds")
    func beforeEpoch() {
        #expect(Timestamp.parse("1969-12-31T23:59:59Z") == -1)
        #expect(Timestamp.parse("1960-02-29T06:07:08Z") == -310_499_572)
    }

    @Test(
        "formats whole seconds as YYYY-MM-DDTHH:MM:SSZ",
        arguments: [
            (1_795_411_800.0, "2026-11-23T05:30:00Z"), (0, "1970-01-01T00:00:00Z"), (-1, "1969-12-31T23:59:59Z"),
            (-0.5, "1969-12-31T23:59:59Z"), (1_795_411_800.999, "2026-11-23T05:30:00Z"),
            (951_782_400, "2000-02-29T00:00:00Z"), (-310_499_572, "1960-02-29T06:07:08Z"),
            (-2_203_891_200, "1900-03-01T00:00:00Z"), (4_107_542_400, "2100-03-01T00:00:00Z"),
        ])
    func format(seconds: Double, text: String) {
        #expect(Timestamp.format(seconds) == text)
    }

    @Test("format then parse gives the same second, every day from 1896 to 2104")
    func roundTrip() {
        var mismatches: [String] = []
        var seconds = -2_335_000_000.0  // 1896
        while seconds < 4_260_000_000 {  // 2104
            let text = Timestamp.format(seconds)
            if Timestamp.parse(text) != seconds { mismatches.append(text) }
            seconds += 86_400 + 3_661  // every day, drifting through the hours
        }
        #expect(mismatches.isEmpty)
    }

    @Test("now() is the current time")
    func now() {
        let a = Timestamp.now()
        #expect(a > 1_767_225_600, "after 2026-01-01")
        #expect(Timestamp.now() >= a)
    }
}

@Suite("TimeSpan")
struct TimeSpanTests {
    @Test(
        "reads units and sums combined spans",
        arguments: [
            ("7d", 604_800.0), ("1d12h", 129_600), ("90s", 90), ("30m", 1_800), ("2w", 1_209_600), ("1.5h", 5_400),
            ("1w2d3h4m5s", 788_645), (" 12h ", 43_200), ("0s", 0),
        ])
    func valid(text: String, seconds: Double) throws {
        let span = try #require(TimeSpan(text))
        #expect(span.seconds == seconds)
        #expect(span.description == text)
    }

    @Test(
        "rejects spans without a unit, with unknown units or signs",
        arguments: [
            "", "7", "d", "7x", "7 d", "-1d", "+1d", "1d12", "7D", "1..5h", "h7", "7dd",
        ])
    func invalid(text: String) {
        #expect(TimeSpan(text) == nil, "\"\(text)\" should not be a time span")
    }

    @Test("a span made from seconds describes itself in seconds")
    func fromSeconds() {
        #expect(TimeSpan(seconds: 90).description == "90s")
        #expect(TimeSpan(seconds: 1.5).seconds == 1.5)
    }
}
