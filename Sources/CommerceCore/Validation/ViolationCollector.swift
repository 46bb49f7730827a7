import Foundation

/// Gathers the violations of many fields so that one request reports all of them at once.
struct ViolationCollector {
    private(set) var violations: [FieldViolation] = []

    /// Runs one field's validating initialiser; keeps its value, or records its violations.
    mutating func check<Value>(_ make: () throws(CommerceError) -> Value) -> Value? {
        do {
            return try make()
        } catch {
            violations += error.fields.isEmpty ? [FieldViolation(field: "", message: error.message)] : error.fields
            return nil
        }
    }

    /// Records a violation directly.
    mutating func add(_ field: String, _ message: String) {
        violations.append(FieldViolation(field: field, message: message))
    }

    /// Throws one validation error with everything collected, if anything was.
    func finish() throws(CommerceError) {
        if !violations.isEmpty { throw CommerceError.validation(violations) }
    }
}

/// Small text checks shared by the value types.
enum TextRules {
    /// Whether the text holds a control character (C0, DEL or C1).
    static func hasControlCharacter(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }

    /// The text trimmed of leading and trailing white space and newlines.
    static func trimmed(_ text: String) -> String {
        text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Trims, then checks length (in characters) and control characters.
    static func boundedText(
        _ raw: String?, field: String, length: ClosedRange<Int>
    ) throws(CommerceError) -> String {
        guard let raw else { throw .validation(field: field, "is required") }
        let text = trimmed(raw)
        if text.isEmpty, length.lowerBound > 0 { throw .validation(field: field, "must not be empty") }
        if text.count < length.lowerBound || text.count > length.upperBound {
            throw .validation(field: field, "must be \(length.lowerBound)–\(length.upperBound) characters")
        }
        if hasControlCharacter(text) { throw .validation(field: field, "must not contain control characters") }
        return text
    }
}
