extension Substring {
    /// Without spaces and tabs at either end (a header value's optional white space). By hand: this runs on
    /// every request, and Foundation's `trimmingCharacters(in:)` goes through `NSString`.
    var trimmingSpacesAndTabs: Substring {
        var text = self
        while text.first == " " || text.first == "\t" { text.removeFirst() }
        while text.last == " " || text.last == "\t" { text.removeLast() }
        return text
    }
}
