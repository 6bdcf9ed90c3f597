import FakeDatadog
import Pipeline
import Sinks
import Testing

@Suite("Datadog payload")
struct DatadogPayloadTests {
    @Test("a gauge and a count encode as MetricPayload: type 3, type 1 with interval, integer timestamps")
    func encodesGaugeAndCount() {
        let payload = DatadogPayload([
            MetricPoint(
                metric: "ci.build.duration", value: 42.5, timestamp: 1_795_410_000, tags: ["repo:pipeline"],
                unit: "second"),
            MetricPoint(metric: "github.commits", value: 7, timestamp: 1_795_410_000, kind: .count, interval: 900),
        ])
        let text = String(decoding: payload.encoded(), as: UTF8.self)
        #expect(
            text
                == #"{"series":[{"metric":"ci.build.duration","type":3,"points":[{"timestamp":1795410000,"value":42.5}],"#
                + #""tags":["repo:pipeline"],"unit":"second"},"#
                + #"{"metric":"github.commits","type":1,"interval":900,"points":[{"timestamp":1795410000,"value":7}]}]}"#
        )
        #expect(payload.byteCount == payload.encoded().count)
        #expect(payload.pointCount == 2)
    }

    @Test("points of one series share one entry; metric, tags, type, interval or unit make another")
    func groupsSeries() throws {
        let base = MetricPoint(metric: "m", value: 1, timestamp: 100, tags: ["b:2", "a:1"], unit: "second")
        var sameSeries = base
        sameSeries.timestamp = 200
        sameSeries.tags = ["a:1", "b:2", "A:1"]  // same set once normalised
        var otherTags = base
        otherTags.tags = ["a:1"]
        var otherUnit = base
        otherUnit.unit = "minute"
        var otherKind = base
        otherKind.kind = .count
        otherKind.interval = 60
        var otherMetric = base
        otherMetric.metric = "n"
        let payload = DatadogPayload([base, sameSeries, otherTags, otherUnit, otherKind, otherMetric])
        #expect(payload.seriesCount == 5)
        let points = try validated(payload)
        #expect(points.count == 6)
        let first = points.filter {
            $0.metric == "m" && $0.tags == ["a:1", "b:2"] && $0.unit == "second" && $0.type == 3
        }
        #expect(first.map(\.timestamp) == [100, 200])
    }

    @Test(
        "units Datadog knows are sent; others (line, lines, ms) are left out",
        arguments: [
            ("second", true), ("minute", true), ("hour", true), ("commit", true), ("file", true), ("dollar", true),
            ("byte", true), ("percent", true), ("garbage collection", true), ("line", false), ("lines", false),
            ("ms", false), ("seconds", false), ("Second", false),
        ])
    func unitsFiltered(unit: String, kept: Bool) throws {
        let payload = DatadogPayload([MetricPoint(metric: "m", value: 1, timestamp: 1, unit: unit)])
        let points = try validated(payload)
        #expect(points.first?.unit == (kept ? unit : nil))
        #expect(DatadogUnits.isUnit(unit) == kept)
    }

    @Test("the unit list is Datadog's catalogue: 350 names, no line")
    func unitList() {
        #expect(DatadogUnits.all.count == 350)
        #expect(!DatadogUnits.all.contains("line"))
        for unit in [
            "nanosecond", "week", "kibibyte", "request", "query", "hit", "hertz", "core", "watt", "span", "run",
        ] {
            #expect(DatadogUnits.isUnit(unit), "\(unit)")
        }
    }

    @Test("tags are normalised with Datadog's rules, deduplicated and sorted")
    func tagsNormalised() {
        #expect(
            DatadogPayload.canonicalTags([
                "Repo:Owner/Name", "env:Prod", "team:A  B!!", "env:prod", "", "_x:1", "9lives",
            ])
                == ["env:prod", "lives", "repo:owner/name", "team:a_b", "x:1"])
    }

    @Test("values keep their precision; JSON escapes metric names and tags")
    func numbersAndEscapes() throws {
        let payload = DatadogPayload([
            MetricPoint(metric: "m", value: 0.1, timestamp: 1),
            MetricPoint(metric: "m", value: -1e-7, timestamp: 2),
            MetricPoint(metric: "m", value: 1e20, timestamp: 3),
            MetricPoint(metric: "m", value: 12_345_678_901, timestamp: 4),
        ])
        let points = try validated(payload)
        #expect(points.map(\.value) == [0.1, -1e-7, 1e20, 12_345_678_901])
        #expect(points.map(\.timestamp) == [1, 2, 3, 4])
    }

    @Test("byteCount is exact however points are added, and add honours the byte limit")
    func byteLimit() {
        var payload = DatadogPayload()
        #expect(payload.byteCount == payload.encoded().count)
        let first = payload.add(MetricPoint(metric: "m", value: 1, timestamp: 1), byteLimit: 1)
        #expect(first, "an empty payload always takes its first point")
        let before = payload.byteCount
        let tooBig = payload.add(MetricPoint(metric: "m", value: 2, timestamp: 2), byteLimit: before + 5)
        #expect(!tooBig)
        #expect(payload.byteCount == before)
        let fits = payload.add(MetricPoint(metric: "m", value: 2, timestamp: 2), byteLimit: before + 200)
        #expect(fits)
        payload.add(MetricPoint(metric: "other", value: 3, timestamp: 2, tags: ["a:b"]))
        #expect(payload.byteCount == payload.encoded().count)
        #expect(payload.pointCount == 3 && payload.seriesCount == 2)
    }

    func validated(_ payload: DatadogPayload) throws -> [MetricPayloadSchema.Point] {
        try MetricPayloadSchema.validate(try FakeJSON.parse(payload.encoded())).get()
    }
}

@Suite("Datadog metric names, sites and options")
struct DatadogConfigurationTests {
    @Test(
        "names Datadog stores as written pass",
        arguments: [
            "github.prs.open", "a", "ci.build_time.p95", "A1_b.C2", String(repeating: "a", count: 200),
        ])
    func validNames(name: String) {
        #expect(DatadogSink.checkMetricName(name) == nil)
    }

    @Test(
        "names Datadog would rewrite are errors that say why and what to use",
        arguments: [
            ("ci.build-time", "\"-\"", "ci.build_time"),
            ("1st.metric", "does not start with a letter", "st.metric"),
            ("my metric", "space", "my_metric"),
            ("caf\u{E9}.visits", "\"\u{E9}\"", "caf_.visits"),
            ("_private", "does not start with a letter", "private"),
        ])
    func invalidNames(name: String, reason: String, suggestion: String) throws {
        let message = try #require(DatadogSink.checkMetricName(name))
        #expect(message.contains(reason), "\(message)")
        #expect(message.contains("use \"\(suggestion)\""), "\(message)")
        #expect(message.contains("Datadog would store it under another name"))
    }

    @Test("an empty or over-long name is an error")
    func emptyOrLong() {
        #expect(DatadogSink.checkMetricName("") != nil)
        #expect(DatadogSink.checkMetricName(String(repeating: "a", count: 201))?.contains("201 characters") == true)
    }

    @Test("every Datadog site resolves to https://api.<site>", arguments: DatadogEndpoint.sites)
    func sites(site: String) throws {
        let endpoint = try DatadogEndpoint.resolve(url: nil, site: site, environment: [:])
        #expect(endpoint.baseURL == "https://api.\(site)")
        #expect(endpoint.seriesURL == "https://api.\(site)/api/v2/series")
        #expect(endpoint.validateURL == "https://api.\(site)/api/v1/validate")
        #expect(endpoint.outboxDestination == "datadog:https://api.\(site)")
    }

    @Test("resolution order: url, DD_URL, site, DD_SITE, datadoghq.com")
    func resolutionOrder() throws {
        #expect(
            try DatadogEndpoint.resolve(url: nil, site: nil, environment: [:]).baseURL == "https://api.datadoghq.com")
        #expect(
            try DatadogEndpoint.resolve(url: nil, site: nil, environment: ["DD_SITE": "datadoghq.eu"]).baseURL
                == "https://api.datadoghq.eu")
        #expect(
            try DatadogEndpoint.resolve(url: nil, site: "us5.datadoghq.com", environment: ["DD_SITE": "datadoghq.eu"])
                .baseURL == "https://api.us5.datadoghq.com")
        #expect(
            try DatadogEndpoint.resolve(
                url: nil, site: "us5.datadoghq.com", environment: ["DD_URL": "http://127.0.0.1:8126/", "DD_SITE": "x"]
            ).baseURL == "http://127.0.0.1:8126")
        #expect(
            try DatadogEndpoint.resolve(
                url: "https://proxy.internal/dd", site: nil, environment: ["DD_URL": "http://a"]
            )
            .baseURL == "https://proxy.internal/dd")
        #expect(
            try DatadogEndpoint.resolve(url: "", site: "", environment: ["DD_URL": ""]).baseURL
                == "https://api.datadoghq.com")
    }

    @Test(
        "a site that is not Datadog's is refused with the closest one",
        arguments: [
            ("datadoghq.co", "datadoghq.com"), ("app.datadoghq.com", "datadoghq.com"),
            ("us4.datadoghq.com", "us3.datadoghq.com"),
            ("https://app.datadoghq.eu/", "datadoghq.eu"), ("api.us5.datadoghq.com", "us5.datadoghq.com"),
            ("DATADOGHQ.EU", "datadoghq.eu"), ("ddog-gov.co", "ddog-gov.com"),
        ])
    func badSite(site: String, suggestion: String) {
        #expect {
            _ = try DatadogEndpoint.resolve(url: nil, site: site, environment: [:])
        } throws: { error in
            guard let error = error as? DatadogConfigurationError else { return false }
            return error.option == "site" && error.message.contains("is not a Datadog site")
                && error.message.contains("did you mean \"\(suggestion)\"?")
        }
    }

    @Test("a bad DD_SITE names the variable; a bad url is refused")
    func badEnvironment() {
        #expect {
            _ = try DatadogEndpoint.resolve(url: nil, site: nil, environment: ["DD_SITE": "datadog.eu"])
        } throws: { error in
            (error as? DatadogConfigurationError)?.message.hasPrefix("DD_SITE \"datadog.eu\" is not a Datadog site")
                == true
        }
        #expect(throws: DatadogConfigurationError.self) {
            _ = try DatadogEndpoint.resolve(url: "api.datadoghq.com", site: nil, environment: [:])
        }
        #expect(throws: DatadogConfigurationError.self) {
            _ = try DatadogEndpoint.resolve(url: nil, site: nil, environment: ["DD_URL": "https://"])
        }
    }

    @Test("the registered kind decodes its example and rejects bad options with their path")
    func kindOptions() throws {
        let kind = try #require(SinkStages.all.first { $0.type == "datadog" })
        #expect(kind.role == .sink)
        guard case .sink = try kind.makeRuntime(options: kind.example, path: ["stages", "dd"]) else {
            Issue.record("not a sink")
            return
        }
        #expect(
            Set(kind.optionNames).isSuperset(of: [
                "api_key", "site", "url", "compression", "retry_for", "historical", "state",
            ]))
        func failure(_ options: JSON) -> String? {
            do {
                _ = try kind.makeRuntime(options: options, path: ["stages", "dd"])
                return nil
            } catch let failure as OptionsDecoder.Failure {
                return Diagnostic(path: failure.path, message: failure.message).description
            } catch {
                return "\(error)"
            }
        }
        #expect(
            failure(["site": "datadoghq.co"])?.hasPrefix("stages.dd.site: \"datadoghq.co\" is not a Datadog site")
                == true)
        #expect(failure(["compression": "zstd"])?.contains("is not a compression; use gzip, deflate or none") == true)
        #expect(failure(["retry_for": "forever"])?.hasPrefix("stages.dd.retry_for") == true)
        #expect(failure(["compresion": "gzip"])?.contains("did you mean \"compression\"") == true)
    }

    @Test("options resolve with the environment: key, site, defaults")
    func configurationFromOptions() throws {
        let options = try OptionsDecoder.decode(
            DatadogSink.Options.self,
            from: ["retry_for": "2m", "historical": true, "state": "/nonexistent/state.sqlite"])
        let configuration = try DatadogSink.Configuration(
            options: options, environment: ["DD_API_KEY": "k", "DD_SITE": "datadoghq.eu"])
        #expect(configuration.statePath == "/nonexistent/state.sqlite")
        #expect(configuration.apiKey == "k")
        #expect(configuration.endpoint.baseURL == "https://api.datadoghq.eu")
        #expect(configuration.retryFor == .seconds(120))
        #expect(configuration.historical)
        #expect(configuration.compression == .gzip)
        #expect(configuration.limits == .datadog)
    }
}
