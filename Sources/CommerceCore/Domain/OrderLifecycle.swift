import Foundation

/// Who moved an order: its owner, the shop's staff, or the system itself (placement on a user's behalf,
/// an automatic step).
public enum OrderActor: String, Sendable, Hashable, Codable, CaseIterable {
    case customer, staff, system
}

/// One step of an order's life: the status it reached, when, by whom, and why when someone said so.
public struct OrderHistoryEntry: Sendable, Hashable, Codable {
    /// The status reached.
    public let status: OrderStatus
    /// When (whole milliseconds).
    public let at: Date
    /// Who moved it.
    public let by: OrderActor
    /// Why, when the actor said (a cancellation's reason).
    public let reason: String?

    /// A step of an order's history.
    public init(status: OrderStatus, at: Date, by: OrderActor, reason: String? = nil) {
        self.status = status
        self.at = at
        self.by = by
        self.reason = reason
    }
}

/// What can be done to a placed order; each leads to one status.
public enum OrderAction: String, Sendable, Hashable, CaseIterable {
    case cancel, confirm, ship, deliver

    /// The status the action leads to.
    public var target: OrderStatus {
        switch self {
        case .cancel: .cancelled
        case .confirm: .confirmed
        case .ship: .shipped
        case .deliver: .delivered
        }
    }
}

/// The one table that decides which action is legal for whom from which status. Routes, services and
/// stores ask it; nothing else decides.
///
/// | action | customer (the owner) | staff |
/// |---|---|---|
/// | cancel | from pending, confirmed | from pending, confirmed (until shipped) |
/// | confirm | never | from pending |
/// | ship | never | from confirmed |
/// | deliver | never | from shipped |
public enum OrderLifecycle {
    /// From which statuses each actor may take each action; an actor missing from an entry may never.
    public static let rules: [OrderAction: [OrderActor: Set<OrderStatus>]] = [
        .cancel: [.customer: [.pending, .confirmed], .staff: [.pending, .confirmed]],
        .confirm: [.staff: [.pending]],
        .ship: [.staff: [.confirmed]],
        .deliver: [.staff: [.shipped]],
    ]

    /// What taking `action` on an order in `current` by `actor` does.
    public enum Decision: Sendable, Hashable {
        /// The action is never the actor's to take: `forbidden`.
        case forbidden
        /// The order is already where the action leads: answer it unchanged (a retry is harmless).
        case unchanged
        /// Move the order to this status.
        case move(to: OrderStatus)
        /// Not from the current status: `conflict`, naming it.
        case illegal(from: OrderStatus)
    }

    /// The decision for `actor` taking `action` on an order in `current`.
    public static func decide(_ action: OrderAction, from current: OrderStatus, by actor: OrderActor) -> Decision {
        guard let allowed = rules[action]?[actor], !allowed.isEmpty else { return .forbidden }
        if current == action.target { return .unchanged }
        return allowed.contains(current) ? .move(to: action.target) : .illegal(from: current)
    }
}

extension OrderLifecycle {
    /// The statuses in which an order keeps the stock its placement took; moving out of them (a cancel)
    /// puts it back, once.
    public static let holdingStock: Set<OrderStatus> = [.pending, .confirmed, .shipped, .delivered]
    /// The statuses in which a deleted user's order gives its stock back when it is purged or anonymised:
    /// not yet shipped. Shipped and delivered goods have left the shop.
    public static let returningStockOnDeletion: Set<OrderStatus> = [.pending, .confirmed]
}
