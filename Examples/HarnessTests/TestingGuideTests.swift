import Foundation
import Testing

/// Documentation/Testing.md must show code that compiles as written: each of its Swift blocks must stand,
/// to the letter (indentation aside), in this folder's test files, which CI builds and runs.
@Suite("The testing guide")
struct TestingGuideTests {
    static let folder = URL(filePath: #filePath).deletingLastPathComponent()
    static let guide = folder.appending(path: "../../Documentation/Testing.md").standardized

    /// The lines of `text`, each without its leading spaces, blank ones dropped.
    static func lines(_ text: Substring) -> [Substring] {
        text.split(separator: "\n").map { $0.drop { $0 == " " } }.filter { !$0.isEmpty }
    }

    @Test func everySwiftBlockIsCompiledHere() throws {
        let guide = try String(contentsOf: Self.guide, encoding: .utf8)
        let blocks = guide.components(separatedBy: "```swift\n").dropFirst().map {
            Substring($0.components(separatedBy: "\n```").first ?? "")
        }
        #expect(blocks.count >= 4, "the guide shows its examples")
        let sources = try FileManager.default.contentsOfDirectory(at: Self.folder, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "swift" }
            .map { Self.lines(Substring(try String(contentsOf: $0, encoding: .utf8))) }
        for (index, block) in blocks.enumerated() {
            let wanted = Self.lines(block)
            let found = sources.contains { source in
                source.indices.contains { start in source[start...].starts(with: wanted) }
            }
            #expect(
                found, "Swift block \(index + 1) of Testing.md (\(wanted.first ?? "")) is not in Examples/HarnessTests")
        }
    }
}
