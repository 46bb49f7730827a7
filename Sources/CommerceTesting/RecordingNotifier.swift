import CommerceCore

/// A ``Notifier`` that keeps every notice it is handed, for tests: what a user would have received. It
/// fails as its ``FaultPlan`` says, so a test can take the mail service down.
public actor RecordingNotifier: Notifier {
    /// The notices taken, oldest first.
    public private(set) var notices: [Notice] = []
    /// The faults to inject; change it while the test runs.
    public nonisolated let plan = FaultPlan()

    /// A notifier that has received nothing.
    public init() {}

    /// Keeps `notice`, or fails as the plan says.
    public func send(_ notice: Notice) async throws {
        try await plan.call {}
        notices.append(notice)
    }

    /// The newest password-reset notice for `email`, if one was sent.
    public func lastPasswordReset(for email: EmailAddress) -> PasswordResetNotice? {
        for notice in notices.reversed() {
            if case .passwordReset(let reset) = notice, reset.email == email { return reset }
        }
        return nil
    }
}
