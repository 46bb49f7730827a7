import Foundation
import Logging

/// The Order service's rules: place an order, read and list orders, move an order through its lifecycle,
/// purge a user's orders.
///
/// Placing checks the user with the User service (through ``UserServicePeer`` under a ``RetryPolicy``)
/// and is refused atomically for a user whose orders were purged. With an idempotency key, a repeat of the
/// same request returns the original order; the key with a different request is
/// ``CommerceError/Code/idempotencyKeyReused``; a repeat while the first is still running is `conflict`.
///
/// Every call made with an access token takes the token's ``CallerToken``: the store judges it against the
/// user's revocation mark in the same read as the rest, so a token voided by log out everywhere or a
/// password change is refused once the User service's revocation has been delivered here
/// (``revokeTokens(of:issuedBefore:as:)``).
public struct OrderService: Sendable {
    /// Limits and windows.
    public struct Configuration: Sendable {
        /// Retries of the user check on the request path.
        public var userCheck: RetryPolicy
        /// How long an idempotency key is remembered.
        public var idempotencyWindow: Duration
        /// The page size when a client names none.
        public var defaultPageSize: Int
        /// The largest page a client may ask for.
        public var maximumPageSize: Int
        /// How long a "the user exists" answer of the User service is trusted; zero asks every time.
        public var userCacheLifetime: Duration
        /// Where an order's names and prices come from: the catalog (the default), or — for the seed's
        /// clients only — the client.
        public var pricing: PricingMode
        /// What a user's deletion does to their orders: delete them (the default) or keep them anonymised.
        public var deletionPolicy: DeletionPolicy

        /// Every setting, each with the default production uses.
        public init(
            userCheck: RetryPolicy = .requestPath, idempotencyWindow: Duration = .seconds(24 * 3600),
            defaultPageSize: Int = 20, maximumPageSize: Int = 100, userCacheLifetime: Duration = .seconds(30),
            pricing: PricingMode = .catalog, deletionPolicy: DeletionPolicy = .purge
        ) {
            self.pricing = pricing
            self.deletionPolicy = deletionPolicy
            self.userCheck = userCheck
            self.idempotencyWindow = idempotencyWindow
            self.defaultPageSize = defaultPageSize
            self.maximumPageSize = maximumPageSize
            self.userCacheLifetime = userCacheLifetime
        }
    }

    let store: any OrderStore
    private let users: any UserServicePeer
    /// The limits and windows this service applies.
    public let configuration: Configuration
    let clock: any CommerceClock
    private let inFlight = InFlightKeys()
    private let knownUsers: UserExistenceCache
    let logger: Logger
    private let metrics: CommerceMetrics

    /// An Order service over `store`, checking users with `users`; `metrics` counts the calls to the User
    /// service and the replayed requests.
    public init(
        store: any OrderStore, users: any UserServicePeer, configuration: Configuration = Configuration(),
        clock: any CommerceClock = SystemClock(), logger: Logger = Logger(label: "commerce.order-service"),
        metrics: CommerceMetrics = CommerceMetrics()
    ) {
        self.metrics = metrics
        self.store = store
        self.users = users
        self.configuration = configuration
        self.clock = clock
        self.knownUsers = UserExistenceCache(lifetime: configuration.userCacheLifetime, clock: clock)
        self.logger = logger
    }

    /// Places an order for the calling user. The server sets `id`, `status` (`pending`), `total` and the
    /// timestamps.
    /// - Parameters:
    ///   - idempotencyKey: the client's `Idempotency-Key`, if it sent one.
    ///   - token: the caller's access token, judged against its revocation mark; `nil` checks none.
    /// - Throws: `forbidden` unless a user calls; `validation` listing every bad field; `unauthenticated`
    ///   when the user no longer exists or the token was revoked; `unavailable` when the User service cannot
    ///   say; `idempotencyKeyReused` / `conflict` for key misuse.
    public func place(
        _ form: OrderForm, idempotencyKey: String? = nil, as principal: Principal, token: CallerToken? = nil
    ) async throws -> PlacedOrder {
        guard let userId = principal.userId else { throw CommerceError.forbidden("Only users place orders.") }
        var collector = ViolationCollector()
        let pricing = configuration.pricing
        let draft = collector.check { () throws(CommerceError) in try OrderDraft(form, pricing: pricing) }
        let key = collector.check { () throws(CommerceError) -> IdempotencyKey? in
            guard let idempotencyKey else { return nil }
            return try IdempotencyKey(idempotencyKey)
        }
        try collector.finish()
        guard let key = key ?? nil else { return try await place(draft!, for: userId, key: nil, token: token) }
        try inFlight.begin(userId: userId, key: key)
        defer { inFlight.end(userId: userId, key: key) }
        let placed = try await place(draft!, for: userId, key: key, token: token)
        if placed.replayed { metrics.idempotentReplay() }
        return placed
    }

    private func place(_ draft: OrderDraft, for userId: UserID, key: IdempotencyKey?, token: CallerToken?)
        async throws -> PlacedOrder
    {
        // The fingerprint (a SHA-256) is made only for a request with a key: the rest never compare one.
        let now = clock.now().roundedToMilliseconds
        // A user the cache knows needs no question to the User service, and a retry is then answered by the
        // insert itself (it returns the earlier order atomically): one trip to the store. Otherwise a retry
        // is looked for first, so that it is answered even while the User service is down.
        if !knownUsers.knownToExist(userId) {
            if let key,
                let previous = try await store.idempotentOrder(userId: userId, key: key, now: now, token: token)
            {
                return try Self.replay(previous.order, previous.fingerprint, matching: draft.fingerprint)
            }
            try await checkUserExists(userId)
        }

        let order = Order(
            id: OrderID(timeOrderedAt: now), userId: userId, items: draft.items, deliveryAddress: draft.deliveryAddress,
            status: .pending, currency: draft.currency, total: draft.total, createdAt: now, updatedAt: now)
        let record = key.map {
            IdempotencyRecord(
                userId: userId, key: $0, fingerprint: draft.fingerprint, orderId: order.id,
                expiresAt: now.addingTimeInterval(configuration.idempotencyWindow.timeInterval))
        }
        let insertion: OrderInsertion
        do {
            insertion = try await store.insert(
                order, idempotency: record, now: now, token: token, pricing: draft.catalogPricing)
        } catch let error as CommerceError where error.code == .notFound {
            throw Self.userGone
        }
        switch insertion {
        case .created(let order):
            logger.info("order placed", metadata: ["orderId": "\(order.id)", "userId": "\(userId)"])
            return PlacedOrder(order: order, replayed: false)
        case .existing(let order, let previous):
            return try Self.replay(order, previous, matching: draft.fingerprint)
        }
    }

    /// Asks the User service (or the cache of its recent answers) whether the user exists.
    private func checkUserExists(_ userId: UserID) async throws {
        if knownUsers.knownToExist(userId) { return }
        let users = users
        let exists = try await configuration.userCheck.run(
            clock: clock, logger: logger, metrics: metrics.peer("user-service")
        ) {
            try await users.userExists(userId)
        }
        guard exists else { throw Self.userGone }
        knownUsers.rememberExists(userId)
    }

    /// A page of a user's orders (only those in `status`, when given), newest first: for the user
    /// themself, staff, or the internal service (the User service's export).
    /// - Parameters:
    ///   - limit: 1 to ``Configuration/maximumPageSize``; ``Configuration/defaultPageSize`` when `nil`.
    ///   - after: the text of an ``OrderCursor`` from a previous page.
    /// - Throws: `forbidden` for anyone but that user or staff; `validation` for a bad limit or cursor;
    ///   `unauthenticated` when the user was deleted and their orders purged, or the token was revoked.
    public func orders(
        of userId: UserID, status: OrderStatus? = nil, limit: Int? = nil, after: String? = nil,
        as principal: Principal, token: CallerToken? = nil
    ) async throws -> OrderPage {
        if principal != .internalService { try Self.mayRead(userId, principal) }
        let (limit, cursor) = try page(limit: limit, after: after)
        guard
            let orders = try await store.liveOrders(
                of: userId, status: status, after: cursor, limit: limit + 1, token: token)
        else {
            if principal.userId != userId { return OrderPage(orders: [], next: nil) }
            throw Self.userGone
        }
        let (rows, last) = orders.page(of: limit)
        return OrderPage(orders: rows, next: last?.cursor)
    }

    /// A page of every user's orders (only those in `status`, when given), newest first: for staff.
    /// - Throws: `forbidden` for anyone but staff; `validation` for a bad limit or cursor; `unauthenticated`
    ///   when the token was revoked.
    public func allOrders(
        status: OrderStatus? = nil, limit: Int? = nil, after: String? = nil, as principal: Principal,
        token: CallerToken? = nil
    ) async throws -> OrderPage {
        guard principal.isStaff else { throw CommerceError.forbidden("Only staff see every order.") }
        let (limit, cursor) = try page(limit: limit, after: after)
        let orders = try await store.allOrders(status: status, after: cursor, limit: limit + 1, token: token)
        let (rows, last) = orders.page(of: limit)
        return OrderPage(orders: rows, next: last?.cursor)
    }

    /// One of a user's orders: for its owner, or staff.
    /// - Throws: `forbidden` for anyone but that user or staff; `notFound` when the user has no such order
    ///   (another user's order under this path is not theirs: `notFound` too, whoever asks);
    ///   `unauthenticated` when the token was revoked.
    public func order(_ id: OrderID, of userId: UserID, as principal: Principal, token: CallerToken? = nil)
        async throws -> Order
    {
        try Self.mayRead(userId, principal)
        guard let order = try await store.order(id, of: userId, token: token) else { throw Self.noSuchOrder }
        return order
    }

    /// Takes `action` on one of a user's orders, as ``OrderLifecycle`` allows: the owner may cancel while the
    /// shop has not shipped; staff may also confirm, ship and deliver. An order already where the action leads
    /// is answered unchanged, so a retried request is harmless.
    ///
    /// The move is a compare-and-set in the store: a transition that loses a race reads the order again and
    /// decides again (the winner's move may have made it unchanged, or illegal).
    /// - Parameters:
    ///   - reason: why, kept in the history (for a cancellation).
    ///   - ifMatch: the versions the client's `If-Match` names; a move from any other version is refused.
    ///     `nil` (no `If-Match`, or `*`): the move applies to whatever version the order is at.
    /// - Throws: `forbidden` for an action that is never the caller's; `notFound` for no such order of the
    ///   user; `conflict` naming the current status for a move the lifecycle does not allow from it;
    ///   `preconditionFailed` when the order is at none of `ifMatch`'s versions; `validation` for a bad reason;
    ///   `unauthenticated` when the token was revoked.
    public func transition(
        _ action: OrderAction, order id: OrderID, of userId: UserID, reason: String? = nil,
        ifMatch: VersionPrecondition? = nil, as principal: Principal, token: CallerToken? = nil
    ) async throws -> Order {
        let actor: OrderActor
        switch principal {
        case .user(let caller):
            guard caller == userId else { throw CommerceError.forbidden() }
            actor = .customer
        case .staff:
            actor = .staff
        case .internalService:
            throw CommerceError.forbidden()
        }
        guard let allowed = OrderLifecycle.rules[action]?[actor], !allowed.isEmpty else {
            throw CommerceError.forbidden("Only staff may \(action.rawValue) an order.")
        }
        let reason = try Self.checkedReason(reason)
        for _ in 0..<Self.transitionAttempts {
            guard let current = try await store.order(id, of: userId, token: token) else { throw Self.noSuchOrder }
            switch OrderLifecycle.decide(action, from: current.status, by: actor) {
            case .forbidden:
                throw CommerceError.forbidden("Only staff may \(action.rawValue) an order.")
            case .unchanged:
                return current
            case .illegal(let from):
                let sources = allowed.map(\.rawValue).sorted().joined(separator: " or ")
                throw CommerceError.conflict(
                    "The order is \(from.rawValue); \(action.rawValue) is allowed from \(sources).")
            case .move(let target):
                if let ifMatch, !ifMatch.admits(Int64(current.version)) {
                    throw CommerceError(
                        code: .preconditionFailed,
                        message: "The order is at version \(current.version), which If-Match does not name.")
                }
                let entry = OrderHistoryEntry(
                    status: target, at: clock.now().roundedToMilliseconds, by: actor, reason: reason)
                if let moved = try await store.transition(current, to: entry) {
                    logger.info(
                        "order moved",
                        metadata: ["orderId": "\(id)", "status": "\(target.rawValue)", "by": "\(actor.rawValue)"])
                    return moved
                }
            }
        }
        throw CommerceError.conflict("The order keeps changing; try again.")
    }

    /// Creates or replaces a product in the catalog (staff). An order placed before keeps the name and
    /// price it was placed with.
    /// - Returns: the product, and whether it was new.
    /// - Throws: `forbidden` for anyone but staff; `unauthenticated` for a revoked token; `validation`
    ///   listing every bad field.
    public func putProduct(
        _ id: String, _ form: ProductForm, as principal: Principal, token: CallerToken? = nil
    ) async throws -> (product: Product, created: Bool) {
        guard principal.isStaff else { throw CommerceError.forbidden("Only staff change the catalog.") }
        let product = try Product(id: id, form: form, updatedAt: clock.now().roundedToMilliseconds)
        if let token { try token.check(voidBefore: try await store.tokensVoidBefore(of: token.userId)) }
        let created = try await store.putProduct(product)
        logger.info(
            "product \(created ? "added" : "changed")", metadata: ["productId": "\(id)", "active": "\(product.active)"])
        return (product, created)
    }

    /// Adds `change` to a product's stock (staff): goods received (positive), shrinkage or a count's
    /// correction (negative). Relative, so it races safely with placements taking stock; `reason` is logged.
    /// A change of 0 is a count that found the level right: judged like any change, it leaves the stock as it
    /// is and stamps the product's `updatedAt`.
    /// - Returns: the product as changed.
    /// - Throws: `forbidden` for anyone but staff; `validation` naming `change` (a whole number from
    ///   −``Product/maximumStock`` to ``Product/maximumStock``) or `reason` (at most 500
    ///   characters); `notFound`; ``CommerceError/Code/insufficientStock`` when the stock would go below zero
    ///   or is not tracked; `conflict` when it would go above ``Product/maximumStock``.
    public func adjustStock(
        of id: String, by change: Int?, reason: String?, as principal: Principal, token: CallerToken? = nil
    ) async throws -> Product {
        guard principal.isStaff else { throw CommerceError.forbidden("Only staff change the catalog.") }
        var collector = ViolationCollector()
        _ = collector.check { () throws(CommerceError) in try Product.checkedID(id) }
        let change = change.flatMap { abs($0) <= Product.maximumStock ? $0 : nil }
        if change == nil {
            collector.add(
                "change", "must be a whole number from -\(Product.maximumStock) to \(Product.maximumStock)")
        }
        let reason = collector.check { () throws(CommerceError) in try Self.checkedReason(reason) }
        try collector.finish()
        if let token { try token.check(voidBefore: try await store.tokensVoidBefore(of: token.userId)) }
        guard let product = try await store.adjustStock(of: id, by: change!, at: clock.now().roundedToMilliseconds)
        else { throw CommerceError.notFound("No such product.") }
        logger.info(
            "stock changed",
            metadata: [
                "productId": "\(id)", "change": "\(change!)", "stock": "\(product.stock ?? 0)",
                "reason": "\((reason ?? nil) ?? "")",
            ])
        return product
    }

    /// One product of the catalog, for anyone.
    /// - Throws: `notFound` when there is none with this id.
    public func product(_ id: String) async throws -> Product {
        guard let product = try await store.product(id) else { throw CommerceError.notFound("No such product.") }
        return product
    }

    /// A page of the catalog by product id, for anyone: only active (or inactive) products, and only those
    /// that can be ordered now (or only those sold out), when asked.
    /// - Parameter after: the last id of the previous page.
    /// - Throws: `validation` for a bad limit.
    public func products(active: Bool? = nil, inStock: Bool? = nil, limit: Int? = nil, after: String? = nil)
        async throws -> ProductPage
    {
        let limit = try checkedLimit(limit)
        let products = try await store.products(active: active, inStock: inStock, after: after, limit: limit + 1)
        let (rows, last) = products.page(of: limit)
        return ProductPage(products: rows, next: last?.id)
    }

    /// How often a transition that lost its compare-and-set reads and decides again before giving up.
    private static let transitionAttempts = 16

    /// A customer reads only their own orders; staff read anyone's.
    private static func mayRead(_ userId: UserID, _ principal: Principal) throws {
        switch principal {
        case .staff: return
        case .user(let caller) where caller == userId: return
        default: throw CommerceError.forbidden()
        }
    }

    /// The page size and cursor a client asked for, checked.
    private func page(limit: Int?, after: String?) throws -> (limit: Int, cursor: OrderCursor?) {
        var collector = ViolationCollector()
        let limit = limit ?? configuration.defaultPageSize
        if !(1...configuration.maximumPageSize).contains(limit) {
            collector.add("limit", "must be a whole number from 1 to \(configuration.maximumPageSize)")
        }
        let cursor = after.flatMap(OrderCursor.init)
        if after != nil, cursor == nil { collector.add("after", "is not a cursor from a previous page") }
        try collector.finish()
        return (limit, cursor)
    }

    /// A cancellation's reason: at most 500 characters, no control characters; blank is none.
    private static func checkedReason(_ reason: String?) throws(CommerceError) -> String? {
        guard let reason else { return nil }
        let trimmed = reason.trimmingCharacters(in: .whitespaces)
        guard trimmed.unicodeScalars.count <= 500,
            !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            throw CommerceError.validation(
                field: "reason", "must be at most 500 characters, without control characters")
        }
        return trimmed.isEmpty ? nil : trimmed
    }

    private static let noSuchOrder = CommerceError.notFound("No such order.")

    /// Removes a user's orders as ``Configuration/deletionPolicy`` says — deleted, or kept anonymised for
    /// the books — and tombstones the user, so no order can be placed for them again. Idempotent.
    /// - Throws: `forbidden` unless the internal service calls.
    public func purge(_ userId: UserID, as principal: Principal) async throws -> OrderRemoval {
        guard case .internalService = principal else { throw CommerceError.forbidden() }
        knownUsers.forget(userId)
        let now = clock.now().roundedToMilliseconds
        let removal: OrderRemoval
        switch configuration.deletionPolicy {
        case .purge:
            removal = OrderRemoval(deleted: try await store.purge(userId, at: now), anonymised: 0)
        case .anonymise:
            removal = OrderRemoval(deleted: 0, anonymised: try await store.anonymise(userId, as: UserID(), at: now))
        }
        logger.info(
            "orders purged",
            metadata: ["userId": "\(userId)", "deleted": "\(removal.deleted)", "anonymised": "\(removal.anonymised)"])
        return removal
    }

    /// Has every access token of the user issued before `date` refused from now on (a later mark already
    /// stored stays). Idempotent. Returns the mark now stored.
    /// - Throws: `forbidden` unless the internal service calls.
    @discardableResult
    public func revokeTokens(of userId: UserID, issuedBefore date: Date, as principal: Principal) async throws
        -> Date
    {
        guard case .internalService = principal else { throw CommerceError.forbidden() }
        let mark = try await store.revokeTokens(of: userId, issuedBefore: date.roundedToMilliseconds)
        logger.info("access tokens revoked", metadata: ["userId": "\(userId)", "issuedBefore": "\(mark)"])
        return mark
    }

    private static let userGone = CommerceError.unauthenticated("The token's user no longer exists.")

    private static func replay(_ order: Order, _ previous: String, matching fingerprint: String) throws
        -> PlacedOrder
    {
        guard previous == fingerprint else {
            throw CommerceError(
                code: .idempotencyKeyReused,
                message: "This Idempotency-Key was already used with a different request.")
        }
        return PlacedOrder(order: order, replayed: true)
    }
}

/// The outcome of ``OrderService/place(_:idempotencyKey:as:)``.
public struct PlacedOrder: Sendable, Hashable {
    /// The order, new or the original of a replay.
    public let order: Order
    /// `true` when this answers a repeat of an idempotent request: nothing new was stored.
    public let replayed: Bool

    /// The order, and whether it was placed by an earlier request with the same key.
    public init(order: Order, replayed: Bool) {
        self.order = order
        self.replayed = replayed
    }
}

/// One page of the catalog, and the id to continue after.
public struct ProductPage: Sendable, Hashable {
    /// The products, by id.
    public let products: [Product]
    /// The last id of this page when there is another, else `nil`.
    public let next: String?
}
