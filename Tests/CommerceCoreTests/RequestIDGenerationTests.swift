import CommerceCore
import Foundation
import Testing

/// The ids the services make up for requests that came without one.
@Suite("Made-up request ids")
struct RequestIDGenerationTests {
    @Test func madeUpIdsAreWellFormedUUIDsAndNeverRepeatAcrossConcurrentTasks() async {
        let ids = await withTaskGroup(of: [String].self) { group in
            for _ in 0..<4 {
                group.addTask { (0..<5_000).map { _ in RequestID.generate().text } }
            }
            return await group.reduce(into: [String]()) { $0 += $1 }
        }
        #expect(Set(ids).count == 20_000, "every id is new")
        let malformed = ids.filter { UUID(uuidString: $0) == nil || $0 != $0.lowercased() || RequestID($0) == nil }
        #expect(malformed.isEmpty, "ids not spelled as lowercase UUIDs: \(malformed.prefix(3))")
    }
}
