import Foundation

/// Where the User service sends what a user must receive outside the API — today, a password-reset token.
///
/// Contract: one attempt per call; return only when the receiver took the notice, throw otherwise (any
/// error: the ``OutboxPropagator`` tries again later, so a receiver that is down loses nothing). A notice
/// may be sent more than once (a retry after a lost answer); ``PasswordResetNotice/eventId`` is the same
/// each time, so a receiver can drop repeats. Never log a notice's token.
public protocol Notifier: Sendable {
    /// Hands `notice` to the receiver.
    func send(_ notice: Notice) async throws
}

/// Something a user must receive.
public enum Notice: Sendable, Hashable, CustomStringConvertible {
    /// A password-reset token for the user with this email.
    case passwordReset(PasswordResetNotice)

    /// Never the token.
    public var description: String {
        switch self {
        case .passwordReset(let notice): notice.description
        }
    }
}

/// A password-reset token on its way to its user: the only place the token exists in clear, and only
/// while it is being sent.
public struct PasswordResetNotice: Sendable, Hashable, CustomStringConvertible {
    /// Where it goes.
    public let email: EmailAddress
    /// The token to put in the link the user follows. A credential.
    public let token: String
    /// When the token stops working.
    public let expiresAt: Date
    /// The outbox event this notice delivers: the same on every retry.
    public let eventId: EventID

    /// A notice of `token` for `email`.
    public init(email: EmailAddress, token: String, expiresAt: Date, eventId: EventID) {
        self.email = email
        self.token = token
        self.expiresAt = expiresAt
        self.eventId = eventId
    }

    /// Never the token.
    public var description: String {
        "PasswordResetNotice(eventId: \(eventId), expiresAt: \(expiresAt), token: redacted)"
    }
}
