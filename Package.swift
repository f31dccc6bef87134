// swift-tools-version:6.0
import PackageDescription

// Lianlu: one library per pipeline stage, a shared core, a C shim over the system ICU,
// and a thin command-line tool. See README.md for the map.
let package = Package(
    name: "Lianlu",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "lianlu", targets: ["lianlu"]),
        .library(name: "Pipeline", targets: ["Pipeline"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // ICU behind plain C types: Foundation on Linux ships its own ICU module whose
        // types clash with <unicode/*.h>, so only CICU's .c file includes ICU headers.
        .target(
            name: "CICU",
            linkerSettings: [
                .linkedLibrary("icui18n"), .linkedLibrary("icuuc"), .linkedLibrary("icudata"),
            ]
        ),
        // What Swift's Glibc module does not export: O_DIRECT for the output files, mallopt.
        .target(name: "CPlatform"),
        .target(name: "LianluCore", dependencies: ["CICU"]),
        .target(name: "Normalization", dependencies: ["LianluCore", "CICU"]),
        .target(name: "Segmentation", dependencies: ["LianluCore", "CICU"]),
        .target(name: "Extraction", dependencies: ["LianluCore", .product(name: "Yams", package: "Yams")]),
        .target(name: "Linking", dependencies: ["LianluCore", "Extraction", .product(name: "Yams", package: "Yams")]),
        .target(name: "Evaluation", dependencies: ["LianluCore"]),
        .target(name: "GraphExport", dependencies: ["LianluCore", "Linking", "Pipeline"]),
        .target(name: "Pipeline", dependencies: ["CPlatform", "LianluCore", "Normalization", "Segmentation", "Extraction", "Linking"]),
        .target(name: "GoldenFiles", dependencies: ["LianluCore", "Pipeline", "Extraction"]),
        .executableTarget(
            name: "lianlu",
            dependencies: [
                "Pipeline", "GoldenFiles", "LianluCore", "Extraction", "Evaluation", "Normalization", "Segmentation", "Linking", "GraphExport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Micro-benchmarks behind design decisions; run by scripts/bench, never by tests.
        .executableTarget(name: "lianlu-bench", dependencies: ["LianluCore"]),
        .testTarget(name: "LianluCoreTests", dependencies: ["LianluCore"]),
        .testTarget(name: "NormalizationTests", dependencies: ["Normalization", "LianluCore"]),
        .testTarget(name: "SegmentationTests", dependencies: ["Segmentation", "Normalization", "LianluCore"]),
        .testTarget(name: "ExtractionTests", dependencies: ["Extraction", "LianluCore", "Normalization", "Segmentation"]),
        .testTarget(name: "LinkingTests", dependencies: ["Linking", "LianluCore", "Extraction", "Segmentation", "Pipeline"]),
        .testTarget(name: "GraphExportTests", dependencies: ["GraphExport", "Pipeline", "LianluCore"]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "LianluCore"]),
        .testTarget(name: "GoldenFilesTests", dependencies: ["GoldenFiles", "Pipeline", "LianluCore", "Extraction"]),
    ],
    swiftLanguageModes: [.v5]
)
