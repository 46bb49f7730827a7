import Foundation
import Testing

/// Documentation/Embedding.md must show code that compiles as written: each of its Swift blocks must stand,
/// to the letter (indentation aside), in a Swift file under Examples/, which CI builds and runs. Its
/// manifest block is checked against the package's own manifest: every product it names exists.
@Suite("The embedding guide")
struct EmbeddingGuideTests {
    static let examples = URL(filePath: #filePath).deletingLastPathComponent().appending(path: "../..").standardized
    static let root = examples.appending(path: "..").standardized

    /// The lines of `text`, each without its leading spaces, blank ones dropped.
    static func lines(_ text: Substring) -> [Substring] {
        text.split(separator: "\n").map { $0.drop { $0 == " " } }.filter { !$0.isEmpty }
    }

    static func blocks() throws -> [Substring] {
        let guide = try String(contentsOf: root.appending(path: "Documentation/Embedding.md"), encoding: .utf8)
        return guide.components(separatedBy: "```swift\n").dropFirst().map {
            Substring($0.components(separatedBy: "\n```").first ?? "")
        }
    }

    @Test func everySwiftBlockIsCompiledInTheExamples() throws {
        let files =
            FileManager.default.enumerator(at: Self.examples, includingPropertiesForKeys: nil)?
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" } ?? []
        let sources = try files.map { Self.lines(Substring(try String(contentsOf: $0, encoding: .utf8))) }
        let code = try Self.blocks().filter { !$0.hasPrefix(".package(") }
        #expect(code.count >= 4, "the guide shows its secrets, its wiring, its routes and a conformance test")
        for (index, block) in code.enumerated() {
            let wanted = Self.lines(block)
            let found = sources.contains { source in
                source.indices.contains { start in source[start...].starts(with: wanted) }
            }
            #expect(found, "Swift block \(index + 1) of Embedding.md (\(wanted.first ?? "")) is not in Examples/")
        }
    }

    @Test func theManifestBlockNamesProductsThePackageHas() throws {
        let manifest = try String(contentsOf: Self.root.appending(path: "Package.swift"), encoding: .utf8)
        let block = try #require(try Self.blocks().first { $0.hasPrefix(".package(") }, "the guide shows a manifest")
        let named = block.matches(of: /\.product\(name: "(\w+)", package: "swift-commerce"\)/).map { String($0.1) }
        #expect(named.count >= 4, "the manifest block names the products an embedder needs")
        for product in named {
            #expect(manifest.contains(#".library(name: "\#(product)""#), "\(product) is not a product of the package")
        }
    }
}
