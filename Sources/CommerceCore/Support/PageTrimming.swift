extension Array {
    /// A page a store was asked for with one row more than `limit`, to learn whether another page follows:
    /// its first `limit` rows, and the last of them when another page follows (where the next one starts).
    func page(of limit: Int) -> (rows: [Element], last: Element?) {
        guard count > limit else { return (self, nil) }
        let rows = Array(prefix(limit))
        return (rows, rows.last)
    }
}
