import Logging

/// A ``Notifier`` for a developer's machine: it logs a line with the reset token, so the flow can be
/// tried without a mail service. It is the one place a token is logged, on purpose; `commerce-server`
/// refuses it with `COMMERCE_ENV=production` (set `NOTIFY_WEBHOOK_URL` there).
public struct DevelopmentNotifier: Notifier {
    private let logger: Logger

    /// A notifier logging to `logger`.
    public init(logger: Logger = Logger(label: "commerce.development-notifier")) {
        self.logger = logger
    }

    /// Logs the notice, token included, at `notice` level.
    public func send(_ notice: Notice) async throws {
        switch notice {
        case .passwordReset(let reset):
            logger.notice(
                "development notifier: a password reset for \(reset.email.value); confirm with this token before \(reset.expiresAt): \(reset.token)"
            )
        }
    }
}
