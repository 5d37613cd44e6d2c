// swift-tools-version:6.0
// FusionLab — multimodal anomaly detection for e-commerce, on its own tensor engine.
// Targets are layered: C shims → Support → Tensor → NN → Datasets → Models → Lab → Bench → fusionlab CLI.
// Plot (SVG charts) depends on Support only; Lab uses it for the HTML reports.
// A target depends only on the ones below it; the CLI parses arguments and calls Lab and Bench.
import PackageDescription

let optimise: [SwiftSetting] = [
    // Bounds checks stay on in debug builds (tests); release kernels use unsafe buffers anyway.
    .unsafeFlags(["-Ounchecked", "-wmo"], .when(configuration: .release)),
]

let package = Package(
    name: "FusionLab",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "fusionlab", targets: ["fusionlab"]),
        .library(name: "FusionLab", targets: ["Tensor", "NN", "Datasets", "Models", "Lab"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // C shims
        .systemLibrary(
            name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CLibPNG", path: "Sources/CLibPNG", pkgConfig: "libpng16", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(
            name: "CLibJPEG", path: "Sources/CLibJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg-dev"])]),
        .systemLibrary(
            name: "CXGBoost", path: "Sources/CXGBoost", pkgConfig: "xgboost", providers: [.apt(["libxgboost-dev"])]),
        .systemLibrary(
            name: "COpenMPI", path: "Sources/COpenMPI", pkgConfig: "ompi", providers: [.apt(["libopenmpi-dev"])]),
        // MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM are macros Swift cannot import: plain functions over them.
        .target(name: "CDistributed", dependencies: ["COpenMPI"]),
        // JPEG/PNG decoding with setjmp error handling, so a bad file is an error, not an abort.
        .target(name: "CImageCodecs", dependencies: ["CLibPNG", "CLibJPEG"]),

        // Utilities every layer may use: JSON configs with a schema, atomic file writes.
        .target(name: "Support"),

        // SVG charts (axes, lines, bands, bars, histograms, heatmaps) for the HTML reports.
        .target(name: "Plot", dependencies: ["Support"]),

        // Engine and layers
        .target(name: "Tensor", dependencies: ["COpenBLAS"], swiftSettings: optimise),
        .target(name: "NN", dependencies: ["Tensor", "Support"], swiftSettings: optimise),

        // Data: dataset format, loaders, images, synthetic shop
        .target(name: "Datasets", dependencies: ["Tensor", "Support", "CImageCodecs"], swiftSettings: optimise),

        // Models: encoders, fusion, heads, classical models (cblas on their design matrices; gradient-boosted trees via XGBoost)
        .target(name: "Models", dependencies: ["COpenBLAS", "CXGBoost", "Tensor", "NN", "Datasets", "Support"], swiftSettings: optimise),

        // Lab: configs, trainer (data-parallel over MPI), metrics, ablation, tables, HTML reports, shop generation
        .target(name: "Lab", dependencies: ["CDistributed", "Tensor", "NN", "Datasets", "Models", "Support", "Plot"], swiftSettings: optimise),

        // Bench: the performance measurements behind `fusionlab bench` (raw cblas_sgemm included)
        .target(
            name: "Bench", dependencies: ["COpenBLAS", "Tensor", "NN", "Datasets", "Models", "Support"],
            swiftSettings: optimise),

        // CLI: argument parsing only; the work is in Lab and Bench
        .executableTarget(
            name: "fusionlab",
            dependencies: ["Lab", "Bench", "Support", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: optimise),

        // Tests
        .target(name: "TestSupport", dependencies: ["Tensor", "NN"], path: "Tests/TestSupport"),
        .testTarget(name: "TensorTests", dependencies: ["Tensor", "TestSupport"]),
        // Fixtures are read from the source tree (#filePath), not bundled.
        .testTarget(name: "NNTests", dependencies: ["Tensor", "NN", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "Support", "TestSupport"]),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "Datasets", "NN", "Tensor", "Support", "TestSupport"]),
        .testTarget(name: "LabTests", dependencies: ["Lab", "Models", "Datasets", "Support", "TestSupport"]),
        .testTarget(name: "SupportTests", dependencies: ["Support"]),
        .testTarget(name: "PlotTests", dependencies: ["Plot"]),
        // Runs the built `fusionlab` as a subprocess (found beside the test bundle).
        .testTarget(name: "CLITests", dependencies: []),
    ],
    swiftLanguageModes: [.v6]
)
