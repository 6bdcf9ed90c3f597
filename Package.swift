// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "pipeline",
    products: [
        .executable(name: "pipeline", targets: ["PipelineCLI"]),
        .executable(name: "fake-github", targets: ["FakeGitHubServer"]),
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

        // Engine: pipeline files, validation, executor, HTTP, JSON, SQLite storage.
        .target(name: "Pipeline", dependencies: ["CCurl", "CSQLite"], path: "Sources/Pipeline"),
        // Stage types.
        .target(name: "Sources", dependencies: ["Pipeline"], path: "Sources/Sources"),
        .target(name: "Transforms", dependencies: ["Pipeline"], path: "Sources/Transforms"),
        .target(name: "Sinks", dependencies: ["Pipeline", "CZlib"], path: "Sources/Sinks"),
        // The `pipeline` command.
        .executableTarget(
            name: "PipelineCLI", dependencies: ["Pipeline", "Sources", "Transforms", "Sinks"],
            path: "Sources/PipelineCLI"),

        // Test support: a loopback HTTP server and a fake GitHub built on it.
        .target(name: "LoopbackHTTP", path: "Tests/Support/LoopbackHTTP"),
        .target(name: "FakeGitHub", dependencies: ["LoopbackHTTP"], path: "Tests/Support/FakeGitHub"),
        .target(name: "FakeDatadog", dependencies: ["LoopbackHTTP", "CZlib"], path: "Tests/Support/FakeDatadog"),
        // moto's standalone server (from .venv-test) with SigV4 checking on, for AWS tests.
        .target(name: "Moto", dependencies: ["Pipeline"], path: "Tests/Support/Moto"),
        .executableTarget(
            name: "FakeGitHubServer", dependencies: ["FakeGitHub"], path: "Tests/Support/FakeGitHubServer"),

        // `swift run -c release SQLiteBench`: metrics-store write and read throughput.
        .executableTarget(name: "SQLiteBench", dependencies: ["Pipeline"], path: "Benchmarks/SQLiteBench"),
        // `Benchmarks/replay.sh`: 1,000,000 stored points replayed to the fake Datadog intake.
        .executableTarget(name: "ReplayBench", dependencies: ["Pipeline", "FakeDatadog"], path: "Benchmarks/ReplayBench"),

        .testTarget(
            name: "PipelineTests", dependencies: ["Pipeline", "LoopbackHTTP", "Moto", "FakeGitHub"],
            // botocore's signer, run by SigV4DifferentialTests from the source tree.
            exclude: ["AWS/botocore_sigv4.py"]),
        .testTarget(name: "SourcesTests", dependencies: ["Sources", "Pipeline", "FakeGitHub", "LoopbackHTTP", "Moto"]),
        .testTarget(name: "TransformsTests", dependencies: ["Transforms", "Pipeline"]),
        .testTarget(name: "SinksTests", dependencies: ["Sinks", "Pipeline", "FakeDatadog", "LoopbackHTTP"]),
        .testTarget(name: "PipelineCLITests", dependencies: ["Pipeline", "FakeGitHub", "FakeDatadog", "LoopbackHTTP", "Moto"]),
        .testTarget(name: "SupportTests", dependencies: ["LoopbackHTTP", "FakeGitHub"]),
    ],
    swiftLanguageModes: [.v6]
)
