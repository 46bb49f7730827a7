import CommerceCore
import HTTPTypes
import Hummingbird

extension Router {
    /// Mounts the Order service under `/api/order` and `/api/orders` on this router: place an order, read
    /// one, list a user's orders, list every order (staff), move an order through its lifecycle, and the
    /// internal calls: purge a user's orders, void a user's older access tokens; and the catalog: staff put
    /// products, anyone reads them.
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
            let form = try await JSONBody.decode(
                OrderForm.self, from: request, context: context, readingCommonShapeWith: OrderFormReader.read)
            let placed = try await orders.place(
                form, idempotencyKey: request.headers.value(of: .idempotencyKey), as: access.principal,
                token: access.callerToken)
            var headers: HTTPFields = [.location: "/api/order/\(placed.order.userId)/\(placed.order.id)"]
            if placed.replayed { headers[.idempotentReplayed] = "true" }
            headers[.eTag] = EntityTag.of(placed.order)
            return JSONBody.response(OrderRepresentation(placed.order), status: .created, headers: headers)
        }
        api.route(.get, "/api/order/{id}", in: routeTable) { request, context in
            // The owner or staff with a bearer token; the User service with the key, for a user's export.
            var principal = Principal.internalService
            var callerToken: CallerToken?
            if request.headers[.apiKey] != nil {
                principal = try credentials.internalService(request)
            } else {
                let access = try await credentials.access(request)
                (principal, callerToken) = (access.principal, access.callerToken)
            }
            let userId = try context.parameters.id("id", as: UserID.self)
            let query = try pages.read(request)
            let page = try await orders.orders(
                of: userId, status: query.status, limit: query.limit, after: query.after, as: principal,
                token: callerToken)
            return JSONBody.response(
                OrderListRepresentation(orders: page.orders),
                headers: pages.link(path: "/api/order/\(userId)", query, next: page.next))
        }
        api.route(.get, "/api/orders", in: routeTable) { request, _ in
            let access = try await credentials.access(request)
            let query = try pages.read(request)
            let page = try await orders.allOrders(
                status: query.status, limit: query.limit, after: query.after, as: access.principal,
                token: access.callerToken)
            return JSONBody.response(
                OrderListRepresentation(orders: page.orders),
                headers: pages.link(path: "/api/orders", query, next: page.next))
        }
        api.route(.get, "/api/order/{id}/{orderId}", in: routeTable) { request, context in
            let access = try await credentials.access(request)
            let userId = try context.parameters.id("id", as: UserID.self)
            let orderId = try context.parameters.id("orderId", as: OrderID.self)
            let order = try await orders.order(orderId, of: userId, as: access.principal, token: access.callerToken)
            return JSONBody.response(OrderRepresentation(order), headers: [.eTag: EntityTag.of(order)])
        }
        for action in OrderAction.allCases {
            api.route(.post, "/api/order/{id}/{orderId}/\(action.rawValue)", in: routeTable) { request, context in
                let access = try await credentials.access(request)
                let userId = try context.parameters.id("id", as: UserID.self)
                let orderId = try context.parameters.id("orderId", as: OrderID.self)
                // The body is optional: a reason, when the client gives one.
                let form = try await JSONBody.decodeOptional(
                    TransitionForm.self, from: request, context: context, empty: TransitionForm())
                let order = try await orders.transition(
                    action, order: orderId, of: userId, reason: form.reason,
                    ifMatch: EntityTag.precondition(request.headers[.ifMatch]), as: access.principal,
                    token: access.callerToken)
                return JSONBody.response(OrderRepresentation(order), headers: [.eTag: EntityTag.of(order)])
            }
        }
        api.route(.put, "/api/product/{productId}", in: routeTable) { request, context in
            let access = try await credentials.access(request)
            let id = try Product.checkedID(context.parameters.get("productId") ?? "")
            let form = try await JSONBody.decode(ProductForm.self, from: request, context: context)
            let (product, created) = try await orders.putProduct(
                id, form, as: access.principal, token: access.callerToken)
            return JSONBody.response(
                ProductRepresentation(product), status: created ? .created : .ok,
                headers: created ? [.location: "/api/product/\(id)"] : [:])
        }
        api.route(.post, "/api/product/{productId}/stock", in: routeTable) { request, context in
            let access = try await credentials.access(request)
            let id = try Product.checkedID(context.parameters.get("productId") ?? "")
            let form = try await JSONBody.decode(StockChangeForm.self, from: request, context: context)
            let product = try await orders.adjustStock(
                of: id, by: form.change, reason: form.reason, as: access.principal, token: access.callerToken)
            return JSONBody.response(ProductRepresentation(product))
        }
        api.route(.get, "/api/product/{productId}", in: routeTable) { _, context in
            let id = try Product.checkedID(context.parameters.get("productId") ?? "")
            return JSONBody.response(ProductRepresentation(try await orders.product(id)))
        }
        api.route(.get, "/api/products", in: routeTable) { request, _ in
            let query = try ProductPageQuery.read(request, maximum: orders.configuration.maximumPageSize)
            let page = try await orders.products(
                active: query.active, inStock: query.inStock, limit: query.limit, after: query.after)
            return JSONBody.response(
                page.products.map(ProductRepresentation.init), headers: query.link(next: page.next))
        }
        api.route(.delete, "/api/order/{id}", in: routeTable) { request, context in
            let principal = try credentials.internalService(request)
            let userId = try context.parameters.id("id", as: UserID.self)
            let removal = try await orders.purge(userId, as: principal)
            return JSONBody.response(PurgeRepresentation(userId: userId.description, removal: removal))
        }
        api.addWebhookRoutes(orders: orders, credentials: credentials, routeTable: routeTable)
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

/// The query of a catalog page (`active`, `inStock`, `limit`, `after`), checked, and the `Link` to its next page.
struct ProductPageQuery: Sendable {
    let active: Bool?
    let inStock: Bool?
    let limit: Int?
    let after: String?

    /// Every bad parameter reported at once.
    static func read(_ request: Request, maximum: Int) throws -> ProductPageQuery {
        let query = request.uri.queryParameters
        var collector = ViolationCollector()
        let activeText = query.get("active")
        let active = activeText.flatMap { ["true": true, "false": false][$0] }
        if activeText != nil, active == nil { collector.add("active", "must be true or false") }
        let inStockText = query.get("inStock")
        let inStock = inStockText.flatMap { ["true": true, "false": false][$0] }
        if inStockText != nil, inStock == nil { collector.add("inStock", "must be true or false") }
        let limit = PageParameters.limit(query.get("limit"), maximum: maximum, into: &collector)
        try collector.finish()
        return ProductPageQuery(active: active, inStock: inStock, limit: limit, after: query.get("after"))
    }

    /// `Link: </api/products?…&after=next>; rel="next"` when there is a next page.
    func link(next: String?) -> HTTPFields {
        // A product id needs no escaping (`Product.checkedID`).
        PageParameters.nextLink(
            path: "/api/products",
            filters: [active.map { "active=\($0)" }, inStock.map { "inStock=\($0)" }].compactMap(\.self),
            limit: limit, next: next)
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
        let limit = PageParameters.limit(query.get("limit"), maximum: maximum, into: &collector)
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
    func link(path: @autoclosure () -> String, _ values: Values, next: OrderCursor?) -> HTTPFields {
        guard let next else { return [:] }
        return PageParameters.nextLink(
            path: path(), filters: values.status.map { ["status=\($0.rawValue)"] } ?? [], limit: values.limit,
            next: next.description)
    }
}
