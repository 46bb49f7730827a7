import CommerceCore
import HTTPTypes

/// What every paged list's query has in common: a `limit` that must be a whole number, and a `Link` header
/// naming the next page — the same query with the next page's `after`.
enum PageParameters {
    /// `text` as a page size, or nil with the violation recorded when it is not a whole number (the range
    /// is the service's to check).
    static func limit(_ text: String?, maximum: Int, into collector: inout ViolationCollector) -> Int? {
        guard let text else { return nil }
        guard let limit = Int(text) else {
            collector.add("limit", "must be a whole number from 1 to \(maximum)")
            return nil
        }
        return limit
    }

    /// `Link: <path?filters&limit=…&after=next>; rel="next"`, or no field when there is no next page.
    /// `filters` are `name=value` parameters that need no escaping.
    static func nextLink(path: String, filters: [String], limit: Int?, next: String?) -> HTTPFields {
        guard let next else { return [:] }
        let parameters = filters + (limit.map { ["limit=\($0)"] } ?? []) + ["after=\(next)"]
        return [.link: "<\(path)?\(parameters.joined(separator: "&"))>; rel=\"next\""]
    }
}
