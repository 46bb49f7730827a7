// swift-tools-version:6.1
// Micro-benchmarks of the hot pieces (ordo-one/benchmark), in a package of their own so that neither
// `swift test` nor a user of the library ever builds the benchmark framework. Run from this directory:
//   swift package --allow-writing-to-package-directory benchmark
import PackageDescription

let package = Package(
    name: "commerce-micro-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "swift-commerce", path: "../.."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
    ],
    targets: [
        .executableTarget(
            name: "HotPaths",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "CommerceCore", package: "swift-commerce"),
                .product(name: "CommerceStorage", package: "swift-commerce"),
                .product(name: "CommerceHTTP", package: "swift-commerce"),
                .product(name: "CommerceTesting", package: "swift-commerce"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            path: "Benchmarks/HotPaths",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ]
)
