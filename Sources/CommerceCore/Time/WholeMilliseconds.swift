import Foundation

/// Whole milliseconds: the precision every timestamp of this library is kept at, so that a value survives
/// any store unchanged. A store of your own keeps its timestamps at it (its conformance checks compare
/// what they read back with what they stored); these are the library's own conversions.
public enum WholeMilliseconds {
    /// `date` rounded to the nearest whole millisecond.
    public static func rounding(_ date: Date) -> Date { date.roundedToMilliseconds }

    /// Whole milliseconds since 1970-01-01 UTC, to the nearest: how the SQL stores keep a timestamp.
    public static func since1970(_ date: Date) -> Int64 { date.millisecondsSince1970 }

    /// The instant `millis` milliseconds after 1970-01-01 UTC.
    public static func date(since1970 millis: Int64) -> Date { Date(millisecondsSince1970: millis) }
}

// Helpers on a standard type: `package`, so they do not leak into the apps that import the library.
extension Date {
    /// Whole milliseconds since 1970, to the nearest: the precision every timestamp of this library is kept
    /// at, so that a value survives any store unchanged.
    ///
    /// Nearest, not down: `Date(millisecondsSince1970: m)` holds `m / 1000` as a `Double`, which times 1000
    /// can land just below `m` (for about 0.6 % of values); rounding down would then give `m - 1`, and a
    /// page cursor made from it would skip orders.
    package var millisecondsSince1970: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }

    /// The instant `millis` milliseconds after 1970-01-01 UTC.
    package init(millisecondsSince1970 millis: Int64) {
        self.init(timeIntervalSince1970: TimeInterval(millis) / 1000)
    }

    /// This instant rounded to the nearest whole millisecond (see ``millisecondsSince1970``).
    package var roundedToMilliseconds: Date { Date(millisecondsSince1970: millisecondsSince1970) }
}
