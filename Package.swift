// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "pipeline",
    products: [
        .executable(name: "pipeline", targets: ["PipelineCLI"]),
        .executable(name: "fake-github", targets: ["FakeGitHubServer"]),
        .executable(name: "fake-asana", targets: ["FakeAsanaServer"]),
        .executable(name: "fake-wandb", targets: ["FakeWandBServer"]),
        .executable(name: "fake-skypilot", targets: ["FakeSkyPilotServer"]),
    ],
    targets: [
        // System C libraries, linked directly (see ENGINEERING.md: libcurl without URLSession keeps RSS low).
        .systemLibrary(
            name: "CCurl", path: "Sources/CCurl", pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]),

        .systemLibrary(
            name: "CSQLite", path: "Sources/CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(
            name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),

        // The engine: pipeline files, validation, the plan, the executor, channels, stage protocols,
        // records, points and JSON. It links no client: stages get theirs as `StageServices`.
        .target(name: "Pipeline", path: "Sources/Pipeline"),
        // Clients and storage, beside the engine; they depend on it, never it on them.
        .target(name: "HTTP", dependencies: ["Pipeline", "CCurl"], path: "Sources/HTTP"),
        .target(name: "AWS", dependencies: ["Pipeline", "HTTP"], path: "Sources/AWS"),
        .target(name: "Storage", dependencies: ["Pipeline", "CSQLite"], path: "Sources/Storage"),
        // The expression language of derived fields and conditions (`map`, `filter`'s `where`).
        .target(name: "Expressions", dependencies: ["Pipeline"], path: "Sources/Expressions"),
        // Stage types, and the registry of them all.
        .target(
            name: "Sources", dependencies: ["Pipeline", "HTTP", "AWS", "Storage", "Expressions"], path: "Sources/Sources"),
        .target(name: "Transforms", dependencies: ["Pipeline", "Expressions"], path: "Sources/Transforms"),
        .target(name: "Sinks", dependencies: ["Pipeline", "HTTP", "Storage", "CZlib"], path: "Sources/Sinks"),
        .target(name: "Catalog", dependencies: ["Pipeline", "Sources", "Transforms", "Sinks"], path: "Sources/Catalog"),
        // Datadog dashboards and monitors generated from a pipeline's metric declarations, and `--apply`.
        .target(name: "Dashboards", dependencies: ["Pipeline", "HTTP", "Sinks"], path: "Sources/Dashboards"),
        // The `pipeline` command.
        .executableTarget(
            name: "PipelineCLI",
            dependencies: [
                "Pipeline", "HTTP", "AWS", "Storage", "Sources", "Transforms", "Sinks", "Catalog", "Dashboards",
            ],
            path: "Sources/PipelineCLI",
            // The functions a run executes, placed together by the linker: far fewer 64 KB windows
            // of code resident (scripts/hot-symbols.sh writes the list; Benchmarks/github.sh shows
            // the peak RSS). Release builds on Linux only; a function not listed is merely placed
            // elsewhere. Relative relocations are packed (DT_RELR, read by glibc 2.36 and later,
            // Debian 12's): the loader no longer reads 1.8 MB of them at every start.
            exclude: ["hot-symbols.txt"],
            linkerSettings: [
                .unsafeFlags(
                    [
                        "-use-ld=lld", "-Xlinker",
                        "--symbol-ordering-file=\(Context.packageDirectory)/Sources/PipelineCLI/hot-symbols.txt",
                        "-Xlinker", "--no-warn-symbol-ordering",
                        "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
                    ], .when(platforms: [.linux], configuration: .release))
            ]),

        // Test support: a loopback HTTP server and a fake GitHub built on it.
        .target(name: "LoopbackHTTP", path: "Tests/Support/LoopbackHTTP"),
        // Small shared pieces of the tests: a value box, a client whose sleeps are recorded.
        .target(name: "TestKit", dependencies: ["HTTP", "Pipeline"], path: "Tests/Support/TestKit"),
        .target(name: "FakeGitHub", dependencies: ["LoopbackHTTP"], path: "Tests/Support/FakeGitHub"),
        .target(name: "FakeAsana", dependencies: ["LoopbackHTTP", "FakeGitHub"], path: "Tests/Support/FakeAsana"),
        // A fake of the W&B GraphQL API (runs of projects, filters, cursors, faults) and its expected metrics.
        .target(name: "FakeWandB", dependencies: ["LoopbackHTTP", "FakeGitHub"], path: "Tests/Support/FakeWandB"),
        // The SkyPilot API server's async protocol, data and expected metrics (skypilot 0.14.1).
        .target(name: "FakeSkyPilot", dependencies: ["LoopbackHTTP"], path: "Tests/Support/FakeSkyPilot"),
        .target(
            name: "FakeDatadog", dependencies: ["LoopbackHTTP", "CZlib"], path: "Tests/Support/FakeDatadog",
            // The official client's models check request bodies (run by the tests, see FakeDatadogObjects).
            exclude: ["check_bodies.py"]),
        // moto's standalone server (from .venv-test) with SigV4 checking on, for AWS tests.
        .target(name: "Moto", dependencies: ["Pipeline", "HTTP", "AWS", "LoopbackHTTP"], path: "Tests/Support/Moto"),
        // The real SkyPilot API server (from .venv-test) on 127.0.0.1, for tests against it.
        .target(name: "SkyPilotPeer", dependencies: ["LoopbackHTTP"], path: "Tests/Support/SkyPilotPeer"),
        .executableTarget(
            name: "FakeAsanaServer", dependencies: ["FakeAsana", "LoopbackHTTP"], path: "Tests/Support/FakeAsanaServer"),
        .executableTarget(
            name: "FakeWandBServer", dependencies: ["FakeWandB", "LoopbackHTTP"], path: "Tests/Support/FakeWandBServer"),
        .executableTarget(
            name: "FakeSkyPilotServer", dependencies: ["FakeSkyPilot", "LoopbackHTTP"], path: "Tests/Support/FakeSkyPilotServer"),
        .executableTarget(
            name: "FakeGitHubServer", dependencies: ["FakeGitHub", "LoopbackHTTP"], path: "Tests/Support/FakeGitHubServer"),

        // `swift run -c release SQLiteBench`: metrics-store write and read throughput.
        .executableTarget(name: "SQLiteBench", dependencies: ["Pipeline", "Storage"], path: "Benchmarks/SQLiteBench"),
        // `Benchmarks/replay.sh`: 1,000,000 stored points replayed to the fake Datadog intake.
        .executableTarget(
            name: "ReplayBench", dependencies: ["Pipeline", "Storage", "FakeDatadog"], path: "Benchmarks/ReplayBench"),

        .testTarget(name: "PipelineTests", dependencies: ["TestKit", "Pipeline", "HTTP", "LoopbackHTTP", "FakeGitHub"]),
        .testTarget(name: "HTTPTests", dependencies: ["TestKit", "HTTP", "CCurl", "Pipeline", "LoopbackHTTP", "FakeGitHub"]),
        .testTarget(
            name: "AWSTests", dependencies: ["TestKit", "AWS", "HTTP", "Pipeline", "LoopbackHTTP", "Moto", "FakeGitHub"],
            // botocore's signer, run by SigV4DifferentialTests from the source tree.
            exclude: ["botocore_sigv4.py"]),
        .testTarget(name: "StorageTests", dependencies: ["TestKit", "Storage", "Pipeline"]),
        .testTarget(
            name: "SourcesTests",
            dependencies: ["TestKit", "Sources", "Pipeline", "HTTP", "AWS", "Storage", "FakeGitHub", "LoopbackHTTP", "Moto"]),
        .testTarget(name: "ExpressionsTests", dependencies: ["Expressions", "Pipeline"]),
        .testTarget(name: "TransformsTests", dependencies: ["Transforms", "Expressions", "Pipeline"]),
        .testTarget(
            name: "SinksTests", dependencies: ["TestKit", "Sinks", "Pipeline", "HTTP", "Storage", "FakeDatadog", "LoopbackHTTP"]),
        .testTarget(
            name: "PipelineCLITests",
            dependencies: [
                "TestKit", "Pipeline", "HTTP", "Storage", "FakeGitHub", "FakeAsana", "FakeWandB", "FakeSkyPilot", "FakeDatadog",
                "LoopbackHTTP", "Moto", "SkyPilotPeer", "Dashboards", "Sinks",
            ],
            // jsonschema's check of `pipeline schema`, run by SchemaCommandTests from the source tree.
            exclude: ["validate_with_schema.py"]),
        // One compliance test over every registered stage type (StageCatalog.registry).
        .testTarget(
            name: "CatalogTests",
            dependencies: [
                "Catalog", "Pipeline", "HTTP", "Storage", "TestKit", "LoopbackHTTP", "FakeGitHub", "FakeDatadog", "Moto",
            ]),
        .testTarget(
            name: "SupportTests",
            dependencies: ["LoopbackHTTP", "FakeGitHub", "FakeAsana", "FakeWandB", "FakeSkyPilot", "SkyPilotPeer"]),
    ],
    swiftLanguageModes: [.v6]
)
