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
        let (status, body) = try await call.send(.DELETE, "/api/order/\(userId)", route: "/api/order/{userId}")
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
        let (status, body) = try await call.send(
            .PUT, "/api/order/\(userId)/token-revocation", route: "/api/order/{userId}/token-revocation",
            json: writer.bytes)
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
    /// order checked to be the user's. A next page is followed only when it is the same route of the same
    /// user on the configured origin: the key is never sent anywhere else, whatever the answer says.
    /// - Throws: `unavailable` for any answer that is not a page of the user's orders, or whose next page is
    ///   not (an export is all of the orders or an error, never a part).
    public func orders(of userId: UserID) async throws -> [Order] {
        var all: [Order] = []
        let route = "/api/order/\(userId)?"
        var path: String? = route + "limit=100"
        while let next = path {
            // A page of 100 orders of 100 lines is a few MiB at most.
            let (status, body, headers) = try await call.exchange(
                .GET, next, route: "/api/order/{userId}", limit: 16 << 20)
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
            path = try Self.nextPage(headers.first(name: "link"), of: route)
        }
        return all
    }

    /// The path of `Link: <path>; rel="next"`, when there is one; it must be `route` followed by query
    /// characters alone (no `@`, `#`, `\` or space: nothing that could name another host or escape the
    /// route once appended to the base URL).
    /// - Throws: `unavailable` for a next link that is not such a path.
    static func nextPage(_ link: String?, of route: String) throws -> String? {
        guard let link, link.hasSuffix(#"rel="next""#) else { return nil }
        guard let open = link.firstIndex(of: "<"), let close = link.firstIndex(of: ">"), open < close else {
            throw CommerceError.unavailable("The Order service answered with a malformed next link.")
        }
        let next = link[link.index(after: open)..<close]
        let query = next.utf8.dropFirst(route.utf8.count)
        guard next.hasPrefix(route), query.allSatisfy(Self.isQueryByte) else {
            throw CommerceError.unavailable("The Order service's next link leaves the user's orders; not followed.")
        }
        return String(next)
    }

    /// Letters, digits and `-._~%=&+:` : what our own cursors and limits are written with.
    private static func isQueryByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default: Array("-._~%=&+:".utf8).contains(byte)
        }
    }

    /// A wrong key is `forbidden` (retried until an operator fixes it); anything else `unavailable`.
    private static func unexpected(_ status: HTTPResponseStatus) -> CommerceError {
        switch status.code {
        case 401, 403: CommerceError.forbidden("The Order service refused our API key.")
        default: CommerceError.unavailable("The Order service answered HTTP \(status.code).")
        }
    }
}
