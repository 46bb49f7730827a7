import Foundation

/// A ``UserServicePeer`` for both services in one process: it answers from the User service's store,
/// exactly as the User service answers the internal lookup over HTTP.
public struct InProcessUserServicePeer: UserServicePeer {
    private let users: any UserStore

    /// A peer answering from the User service's own store.
    public init(users: any UserStore) { self.users = users }

    /// Whether the store holds the user.
    public func userExists(_ id: UserID) async throws -> Bool {
        try await users.user(id: id) != nil
    }
}

/// An ``OrderServicePeer`` that calls an ``OrderService`` in the same process as the internal service.
public struct InProcessOrderServicePeer: OrderServicePeer {
    private let orders: OrderService

    /// A peer calling the Order service directly.
    public init(orders: OrderService) { self.orders = orders }

    /// Purges through ``OrderService/purge(_:as:)`` as the internal service: the orders deleted or anonymised.
    public func purgeOrders(of userId: UserID) async throws -> Int {
        let removal = try await orders.purge(userId, as: .internalService)
        return removal.deleted + removal.anonymised
    }

    /// Every page of ``OrderService/orders(of:status:limit:after:as:token:)``, as the internal service.
    public func orders(of userId: UserID) async throws -> [Order] {
        var all: [Order] = []
        var after: String?
        repeat {
            let page = try await orders.orders(
                of: userId, limit: orders.configuration.maximumPageSize, after: after, as: .internalService)
            all += page.orders
            after = page.next?.description
        } while after != nil
        return all
    }

    /// Revokes through ``OrderService/revokeTokens(of:issuedBefore:as:)`` as the internal service.
    public func revokeTokens(of userId: UserID, issuedBefore date: Date) async throws {
        _ = try await orders.revokeTokens(of: userId, issuedBefore: date, as: .internalService)
    }
}
