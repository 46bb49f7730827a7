import HTTPTypes

extension HTTPFields {
    /// The value of the field `name`, as `self[name]` gives it — several fields of the name joined with
    /// commas — but without making a new string when there is one field, as a request's headers nearly
    /// always have. HTTPTypes' subscript joins even a single value, and a placement reads four headers
    /// (`scripts/bench`, `POST /api/order`).
    func value(of name: HTTPField.Name) -> String? {
        var found: String?
        for field in self where field.name == name {
            guard found == nil else { return self[name] }
            found = field.value
        }
        return found
    }
}
