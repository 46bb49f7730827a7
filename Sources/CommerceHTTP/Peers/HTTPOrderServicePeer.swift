import AsyncHTTPClient
import CommerceCore
import CommerceSupport
import Foundation
import NIOFoundationCompat
import NIOHTTP1

/// The User service's view of the Order service over HTTP, with `x-api-key`: `DELETE /api/order/{id}`
/// purges, `PUT /api/order/{id}/token-revocation` voids older tokens, `GET /api/order/{id}` (every page)
/// reads a user's orders for their export.
///
/// 200 with the expected body is success; 401/403 (a wrong key) is `forbidden`, which the propagator keeps
/// retrying until an operator fixes the key; anything else is `unavailable`.
public struct HTTPOrderServicePeer: OrderServicePeer {
    private let call: HTTPPeerCall

    /// - Parameters:
    ///   - baseURL: the Order service's root, for example `http://127.0.0.1:5000`.
    ///   - apiKey: the internal API key both services share.
    public init(client: HTTPClient, baseURL: String, apiKey: SigningSecret) {
        call = HTTPPeerCall(client: client, baseURL: baseURL, apiKey: apiKey)
    }

    /// `DELETE /api/order/{userId}` with the API key; the number of orders removed.
    public func purgeOrders(of userId: UserID) async throws -> Int {
        let (status, body) = try await call.send(.DELETE, "/api/order/\(userId)")
        switch status.code {
        case 200:
            struct Answer: Decodable {
                let userId: String
                let deleted: Int
                // Absent from an Order service older than deletion policies: nothing was anonymised.
                let anonymised: Int?
            }
            guard let answer = try? JSONDecoder().decode(Answer.self, from: Data(buffer: body)),
                UserID(answer.userId) == userId
            else { throw CommerceError.unavailable("The Order service answered with an unexpected body.") }
            return answer.deleted + (answer.anonymised ?? 0)
        default:
            throw Self.unexpected(status)
        }
    }

    /// `PUT /api/order/{userId}/token-revocation` with `{issuedBefore}` and the API key.
    public func revokeTokens(of userId: UserID, issuedBefore date: Date) async throws {
        var writer = JSONWriter()
        writer.beginObject()
        writer.member("issuedBefore", Timestamp.format(date))
        writer.endObject()
        let (status, body) = try await call.send(.PUT, "/api/order/\(userId)/token-revocation", json: writer.bytes)
        switch status.code {
        case 200:
            struct Answer: Decodable { let userId: String }
            guard let answer = try? JSONDecoder().decode(Answer.self, from: Data(buffer: body)),
                UserID(answer.userId) == userId
            else { throw CommerceError.unavailable("The Order service answered with an unexpected body.") }
        default:
            throw Self.unexpected(status)
        }
    }

    /// Every page of `GET /api/order/{userId}` with the API key (100 orders a page, following `Link`), each
    /// order checked to be the user's.
    /// - Throws: `unavailable` for any answer that is not a page of the user's orders.
    public func orders(of userId: UserID) async throws -> [Order] {
        var all: [Order] = []
        var path: String? = "/api/order/\(userId)?limit=100"
        while let next = path {
            // A page of 100 orders of 100 lines is a few MiB at most.
            let (status, body, headers) = try await call.exchange(.GET, next, limit: 16 << 20)
            guard status.code == 200 else { throw Self.unexpected(status) }
            guard let documents = try? JSONDecoder().decode([OrderDocument].self, from: Data(buffer: body)) else {
                throw CommerceError.unavailable("The Order service answered with an unexpected body.")
            }
            for document in documents {
                guard let order = document.order, order.userId == userId else {
                    throw CommerceError.unavailable("The Order service answered with an order that is not the user's.")
                }
                all.append(order)
            }
            path = Self.nextPage(headers.first(name: "link"))
        }
        return all
    }

    /// The path of `Link: <path>; rel="next"`, when there is one.
    static func nextPage(_ link: String?) -> String? {
        guard let link, link.hasSuffix(#"rel="next""#), let open = link.firstIndex(of: "<"),
            let close = link.firstIndex(of: ">"), open < close
        else { return nil }
        return String(link[link.index(after: open)..<close])
    }

    /// A wrong key is `forbidden` (retried until an operator fixes it); anything else `unavailable`.
    private static func unexpected(_ status: HTTPResponseStatus) -> CommerceError {
        switch status.code {
        case 401, 403: CommerceError.forbidden("The Order service refused our API key.")
        default: CommerceError.unavailable("The Order service answered HTTP \(status.code).")
        }
    }
}
