/// The text an ``OrderDraft``'s fingerprint hashes, written as UTF-8 bytes: the same bytes as the string
/// `"v1|…"` it was joined from before, so that records stored then still match their replays.
struct FingerprintText {
    private(set) var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(128) }

    mutating func append(_ text: String) { bytes.append(contentsOf: text.utf8) }

    /// An integer in decimal, as string interpolation writes it.
    mutating func append<Integer: BinaryInteger>(_ value: Integer) { bytes.append(contentsOf: String(value).utf8) }

    /// `"\(text.count):\(text)"`: the text prefixed by its length in `Character`s, so that no two lists of
    /// fields join into one text.
    mutating func appendCounted(_ text: String) {
        append(text.count)
        bytes.append(UInt8(ascii: ":"))
        append(text)
    }
}
