// swift-tools-version:6.1
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
        // `fusionlab serve`: HTTP server, bearer tokens, Prometheus metrics.
        // No traits: swift-configuration support and the URL-encoded-form coders are not used, and
        // leaving them out spares every clean build (CI's) a package.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // Already in Hummingbird's graph; named for the logger and the service group (graceful shutdown).
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        // Already in Hummingbird's graph; named for the channel handler that drains keep-alive connections.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.26.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.3.0"),
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
        // The first stage of the CSV reader: a bitmap of the bytes that can end a field (SSE2).
        .target(name: "CDelimitedText"),
        // Int8 dynamic quantisation for scoring: the int8 GEMM (AVX-VNNI when the CPU has it), im2row.
        .target(name: "CQuantization", cSettings: [.unsafeFlags(["-O3"], .when(configuration: .release))]),
        // Element-wise kernels (exp, softmax rows, layer-norm rows): AVX2+FMA with a runtime check,
        // and a portable path giving the same bits. No FMA contraction: the two paths must agree.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3", "-ffp-contract=off"])]),

        // Utilities every layer may use: JSON configs with a schema, atomic file writes.
        .target(name: "Support"),

        // SVG charts (axes, lines, bands, bars, histograms, heatmaps) for the HTML reports.
        .target(name: "Plot", dependencies: ["Support"]),

        // Engine and layers
        .target(name: "Tensor", dependencies: ["COpenBLAS", "CKernels"], swiftSettings: optimise),
        .target(name: "NN", dependencies: ["Tensor", "Support", "CQuantization", "CKernels"], swiftSettings: optimise),

        // Data: dataset format, loaders, images, synthetic shop
        .target(name: "Datasets", dependencies: ["Tensor", "Support", "CImageCodecs", "CDelimitedText"], swiftSettings: optimise),

        // Models: encoders, fusion, heads, classical models (cblas on their design matrices; gradient-boosted trees via XGBoost)
        .target(name: "Models", dependencies: ["COpenBLAS", "CXGBoost", "Tensor", "NN", "Datasets", "Support"], swiftSettings: optimise),

        // Lab: configs, trainer (data-parallel over MPI), metrics, ablation, tables, HTML reports, shop generation
        .target(name: "Lab", dependencies: ["CDistributed", "Tensor", "NN", "Datasets", "Models", "Support", "Plot"], swiftSettings: optimise),

        // Bench: the performance measurements behind `fusionlab bench` (raw cblas_sgemm included)
        .target(
            name: "Bench", dependencies: ["COpenBLAS", "Tensor", "NN", "Datasets", "Models", "Lab", "Support"],
            swiftSettings: optimise),

        // Serve: `fusionlab serve`, a run folder scoring over HTTP (Hummingbird), micro-batched on one worker
        .target(
            name: "Serve",
            dependencies: [
                "Lab", "Datasets", "Support",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]),

        // CLI: argument parsing only; the work is in Lab, Bench and Serve
        .executableTarget(
            name: "fusionlab",
            dependencies: ["Lab", "Bench", "Serve", "Support", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: optimise),

        // Tests
        .target(name: "TestSupport", dependencies: ["Tensor", "NN"], path: "Tests/TestSupport"),
        .testTarget(name: "TensorTests", dependencies: ["Tensor", "CKernels", "TestSupport"]),
        // Fixtures are read from the source tree (#filePath), not bundled.
        .testTarget(name: "NNTests", dependencies: ["Tensor", "NN", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "CDelimitedText", "Support", "TestSupport"]),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "Datasets", "NN", "Tensor", "Support", "TestSupport"]),
        .testTarget(name: "LabTests", dependencies: ["Lab", "Models", "Datasets", "Support", "TestSupport"]),
        .testTarget(name: "SupportTests", dependencies: ["Support"]),
        .testTarget(name: "PlotTests", dependencies: ["Plot"]),
        // Starts the server in-process on an ephemeral loopback port with a tiny trained run and
        // talks to it over a plain socket (HummingbirdTesting would bring AsyncHTTPClient and
        // BoringSSL into every CI build).
        .testTarget(
            name: "ServeTests",
            dependencies: ["Serve", "Lab", "Datasets", "Support",
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                           .product(name: "UnixSignals", package: "swift-service-lifecycle")]),
        // Runs the built `fusionlab` as a subprocess (found beside the test bundle).
        .testTarget(name: "CLITests", dependencies: []),
    ],
    swiftLanguageModes: [.v6]
)
