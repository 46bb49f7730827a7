// swift-tools-version:6.2
import PackageDescription

// Builds Apple's swift-openapi-generator at the exact version the committed client was generated with, for
// scripts/generate-client. A package of its own, so the library's users never resolve or build the generator.
let package = Package(
    name: "commerce-client-generator",
    dependencies: [
        .package(url: "https://github.com/apple/swift-openapi-generator.git", exact: "1.14.3")
    ]
)
