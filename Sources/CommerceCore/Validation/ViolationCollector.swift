import Foundation

/// Gathers the violations of many fields so that one request reports all of them at once.
package struct ViolationCollector {
    private(set) var violations: [FieldViolation] = []

    /// No violation yet.
    package init() {}

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
    package mutating func add(_ field: String, _ message: String) {
        violations.append(FieldViolation(field: field, message: message))
    }

    /// Whether nothing was collected.
    var isEmpty: Bool { violations.isEmpty }

    /// Throws one validation error with everything collected, if anything was.
    package func finish() throws(CommerceError) {
        if !violations.isEmpty { throw CommerceError.validation(violations) }
    }
}

/// Small text checks shared by the value types. Every rule is one a JSON Schema can state exactly (the
/// OpenAPI documents state them), so a client's validator and the server never disagree:
///
/// - lengths are counted in Unicode code points, as JSON Schema's `minLength`/`maxLength` count them, and
///   over the text as sent (surrounding spaces included);
/// - control characters (C0, DEL, C1: `U+0000–001F`, `U+007F–009F`) are refused anywhere;
/// - the spaces trimmed from either end are exactly ``isSpace(_:)``'s.
enum TextRules {
    /// Whether the scalar is a control character (general category Cc).
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }

    /// Whether the scalar is one of the spaces trimmed from text: the space separators (Zs) and the line
    /// and paragraph separators, listed explicitly so the OpenAPI patterns can list the same ones.
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x20, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: true
        default: false
        }
    }

    /// Whether the text holds a control character.
    static func hasControlCharacter(_ text: String) -> Bool {
        text.unicodeScalars.contains(where: isControl)
    }

    /// The length JSON Schema sees: Unicode code points.
    static func length(_ text: some StringProtocol) -> Int { text.unicodeScalars.count }

    /// The text without ``isSpace(_:)`` spaces at either end.
    static func trimmed(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isSpace($0) }),
            let last = scalars.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(scalars[first...last])
    }

    /// Checks length (in code points, as sent) and control characters, then trims. A required text
    /// (`length.lowerBound > 0`) must hold more than spaces.
    static func boundedText(
        _ raw: String?, field: String, length range: ClosedRange<Int>
    ) throws(CommerceError) -> String {
        guard let raw else { throw .validation(field: field, "is required") }
        if !range.contains(length(raw)) {
            throw .validation(field: field, "must be \(range.lowerBound)–\(range.upperBound) characters")
        }
        if hasControlCharacter(raw) { throw .validation(field: field, "must not contain control characters") }
        let text = trimmed(raw)
        if text.isEmpty, range.lowerBound > 0 { throw .validation(field: field, "must not be only spaces") }
        return text
    }
}
