import CommerceSupport
import Foundation

/// How the HTTP edge decodes JSON request bodies. (Responses are written by ``JSONWriter``.)
enum JSONCoding {
    static let decoder = JSONDecoder()
}
