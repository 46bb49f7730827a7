/// How a schema spells a column: the SQLite schemas use the domain's camelCase names (`userId`), the
/// PostgreSQL schemas snake_case (`user_id`). The durable stores name their columns once, here, and
/// spell them for their schema.
package enum ColumnNaming: Sendable {
    case camelCase, snakeCase

    /// `name` (camelCase) as this schema spells it.
    package func spell(_ name: String) -> String {
        switch self {
        case .camelCase:
            return name
        case .snakeCase:
            var spelled = ""
            for character in name {
                if character.isUppercase { spelled += "_" + character.lowercased() } else { spelled.append(character) }
            }
            return spelled
        }
    }

    /// The `names`, spelled, qualified with `table` when given, separated by commas: a select list.
    package func list(_ names: [String], table: String? = nil) -> String {
        names.map { name in table.map { "\($0).\(spell(name))" } ?? spell(name) }.joined(separator: ", ")
    }
}
