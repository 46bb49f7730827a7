import AsyncHTTPClient
import CommerceCore
import Foundation
import NIOFoundationCompat
import NIOHTTP1

/// The Order service's view of the User service over HTTP: `GET /api/user/:id` with `x-api-key`.
///
/// 200 with a body whose `id` is the asked id means the user exists; 404 means it does not; anything else
/// (another status, a body that is not the user) is `unavailable` — never taken for "the user exists".
public struct HTTPUserServicePeer: UserServicePeer {
    private let call: HTTPPeerCall

    /// - Parameters:
    ///   - baseURL: the User service's root, for example `http://127.0.0.1:3000`.
    ///   - apiKey: the internal API key both services share.
    public init(client: HTTPClient, baseURL: String, apiKey: SigningSecret) {
        call = HTTPPeerCall(client: client, baseURL: baseURL, apiKey: apiKey)
    }

    /// `GET /api/user/{id}` with the API key: 200 with the same id is `true`, 404 is `false`, anything else `unavailable`.
    public func userExists(_ id: UserID) async throws -> Bool {
        let (status, body) = try await call.send(.GET, "/api/user/\(id)", route: "/api/user/{id}")
        switch status.code {
        case 200:
            struct Answer: Decodable { let id: String }
            guard let answer = try? JSONDecoder().decode(Answer.self, from: Data(buffer: body)),
                UserID(answer.id) == id
            else { throw CommerceError.unavailable("The User service answered with an unexpected body.") }
            return true
        case 404:
            return false
        default:
            throw CommerceError.unavailable("The User service answered HTTP \(status.code).")
        }
    }
}
