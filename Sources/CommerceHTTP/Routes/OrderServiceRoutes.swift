import CommerceCore
import HTTPTypes
import Hummingbird

extension Router {
    /// Mounts the Order service under `/api/order` on this router: place an order, list a user's orders,
    /// and the internal purge of a user's orders.
    ///
    /// The routes answer every error as `application/problem+json` on their own, so they can be mounted in
    /// any application. Record them in `routeTable` to have a known path with another method answer 405.
    @discardableResult
    public func addOrderServiceRoutes(
        orders: OrderService, credentials: Credentials, routeTable: RouteTable = RouteTable()
    ) -> Self {
        let api = group().add(middleware: ProblemMiddleware<Context>(routes: routeTable))
        let pageSizes = "must be a whole number from 1 to \(orders.configuration.maximumPageSize)"
        api.route(.post, "/api/order", in: routeTable) { request, context in
            let principal = try await credentials.user(request)
            let form = try await JSONBody.decode(OrderForm.self, from: request, context: context)
            let placed = try await orders.place(form, idempotencyKey: request.headers[.idempotencyKey], as: principal)
            var headers: HTTPFields = [.location: "/api/order/\(placed.order.userId)"]
            if placed.replayed { headers[.idempotentReplayed] = "true" }
            return JSONBody.response(OrderRepresentation(placed.order), status: .created, headers: headers)
        }
        api.route(.get, "/api/order/{id}", in: routeTable) { request, context in
            let principal = try await credentials.user(request)
            let userId = try context.parameters.id("id", as: UserID.self)
            let query = request.uri.queryParameters
            let limitText = query.get("limit")
            let limit = limitText.flatMap { Int($0) }
            if limitText != nil, limit == nil { throw CommerceError.validation(field: "limit", pageSizes) }
            let page = try await orders.orders(of: userId, limit: limit, after: query.get("after"), as: principal)
            var headers: HTTPFields = [:]
            if let next = page.next {
                let size = limit.map { "limit=\($0)&" } ?? ""
                headers[.link] = "</api/order/\(userId)?\(size)after=\(next)>; rel=\"next\""
            }
            return JSONBody.response(page.orders.map(OrderRepresentation.init), headers: headers)
        }
        api.route(.delete, "/api/order/{id}", in: routeTable) { request, context in
            let principal = try credentials.internalService(request)
            let userId = try context.parameters.id("id", as: UserID.self)
            let deleted = try await orders.purge(userId, as: principal)
            return JSONBody.response(PurgeRepresentation(userId: userId.description, deleted: deleted))
        }
        return self
    }
}
