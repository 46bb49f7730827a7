import CommerceCore
import HTTPTypes
import Hummingbird

extension Router {
    /// Mounts the Order service under `/api/order` and `/api/orders` on this router: place an order, read
    /// one, list a user's orders, list every order (staff), move an order through its lifecycle, and the
    /// internal calls: purge a user's orders, void a user's older access tokens.
    ///
    /// The routes answer every error as `application/problem+json` on their own, so they can be mounted in
    /// any application. Record them in `routeTable` to have a known path with another method answer 405.
    @discardableResult
    public func addOrderServiceRoutes(
        orders: OrderService, credentials: Credentials, routeTable: RouteTable = RouteTable()
    ) -> Self {
        let api = group().add(middleware: ProblemMiddleware<Context>(routes: routeTable))
        let pages = OrderPageQuery(maximum: orders.configuration.maximumPageSize)
        api.route(.post, "/api/order", in: routeTable) { request, context in
            let access = try await credentials.access(request)
            let form = try await JSONBody.decode(OrderForm.self, from: request, context: context)
            let placed = try await orders.place(
                form, idempotencyKey: request.headers[.idempotencyKey], as: access.principal, token: access.stamp)
            var headers: HTTPFields = [.location: "/api/order/\(placed.order.userId)/\(placed.order.id)"]
            if placed.replayed { headers[.idempotentReplayed] = "true" }
            headers[.eTag] = EntityTag.of(placed.order)
            return JSONBody.response(OrderRepresentation(placed.order), status: .created, headers: headers)
        }
        api.route(.get, "/api/order/{id}", in: routeTable) { request, context in
            let access = try await credentials.access(request)
            let userId = try context.parameters.id("id", as: UserID.self)
            let query = try pages.read(request)
            let page = try await orders.orders(
                of: userId, status: query.status, limit: query.limit, after: query.after, as: access.principal,
                token: access.stamp)
            return JSONBody.response(
                page.orders.map(OrderRepresentation.init),
                headers: pages.link(path: "/api/order/\(userId)", query, next: page.next))
        }
        api.route(.get, "/api/orders", in: routeTable) { request, _ in
            let access = try await credentials.access(request)
            let query = try pages.read(request)
            let page = try await orders.allOrders(
                status: query.status, limit: query.limit, after: query.after, as: access.principal, token: access.stamp)
            return JSONBody.response(
                page.orders.map(OrderRepresentation.init),
                headers: pages.link(path: "/api/orders", query, next: page.next))
        }
        api.route(.get, "/api/order/{id}/{orderId}", in: routeTable) { request, context in
            let access = try await credentials.access(request)
            let userId = try context.parameters.id("id", as: UserID.self)
            let orderId = try context.parameters.id("orderId", as: OrderID.self)
            let order = try await orders.order(orderId, of: userId, as: access.principal, token: access.stamp)
            return JSONBody.response(OrderRepresentation(order), headers: [.eTag: EntityTag.of(order)])
        }
        for action in OrderAction.allCases {
            api.route(.post, "/api/order/{id}/{orderId}/\(action.rawValue)", in: routeTable) { request, context in
                let access = try await credentials.access(request)
                let userId = try context.parameters.id("id", as: UserID.self)
                let orderId = try context.parameters.id("orderId", as: OrderID.self)
                // The body is optional: a reason, when the client gives one.
                let form =
                    request.headers[.contentType] == nil
                    ? TransitionForm() : try await JSONBody.decode(TransitionForm.self, from: request, context: context)
                let order = try await orders.transition(
                    action, order: orderId, of: userId, reason: form.reason,
                    expectedVersion: try EntityTag.expectedVersion(request.headers[.ifMatch]), as: access.principal,
                    token: access.stamp)
                return JSONBody.response(OrderRepresentation(order), headers: [.eTag: EntityTag.of(order)])
            }
        }
        api.route(.delete, "/api/order/{id}", in: routeTable) { request, context in
            let principal = try credentials.internalService(request)
            let userId = try context.parameters.id("id", as: UserID.self)
            let deleted = try await orders.purge(userId, as: principal)
            return JSONBody.response(PurgeRepresentation(userId: userId.description, deleted: deleted))
        }
        api.route(.put, "/api/order/{id}/token-revocation", in: routeTable) { request, context in
            let principal = try credentials.internalService(request)
            let userId = try context.parameters.id("id", as: UserID.self)
            let form = try await JSONBody.decode(TokenRevocationForm.self, from: request, context: context)
            let mark = try await orders.revokeTokens(of: userId, issuedBefore: try form.checked(), as: principal)
            return JSONBody.response(RevocationRepresentation(userId: userId, issuedBefore: mark))
        }
        return self
    }
}

/// The query of an order list (`status`, `limit`, `after`), checked, and the `Link` to its next page.
struct OrderPageQuery: Sendable {
    /// The largest page a client may ask for.
    let maximum: Int

    struct Values: Sendable {
        let status: OrderStatus?
        let limit: Int?
        let after: String?
    }

    /// The list's query: every bad parameter reported at once.
    func read(_ request: Request) throws -> Values {
        let query = request.uri.queryParameters
        var collector = ViolationCollector()
        let limitText = query.get("limit")
        let limit = limitText.flatMap { Int($0) }
        if limitText != nil, limit == nil { collector.add("limit", "must be a whole number from 1 to \(maximum)") }
        let statusText = query.get("status")
        let status = statusText.flatMap(OrderStatus.init(rawValue:))
        if statusText != nil, status == nil {
            let known = OrderStatus.allCases.map(\.rawValue).joined(separator: ", ")
            collector.add("status", "must be one of \(known)")
        }
        try collector.finish()
        return Values(status: status, limit: limit, after: query.get("after"))
    }

    /// `Link: <path?…&after=next>; rel="next"` when there is a next page.
    func link(path: String, _ values: Values, next: OrderCursor?) -> HTTPFields {
        guard let next else { return [:] }
        var parameters: [String] = []
        if let status = values.status { parameters.append("status=\(status.rawValue)") }
        if let limit = values.limit { parameters.append("limit=\(limit)") }
        parameters.append("after=\(next)")
        return [.link: "<\(path)?\(parameters.joined(separator: "&"))>; rel=\"next\""]
    }
}
