import CommerceCore
import CommerceTesting
import Foundation

/// The users' side of the workload: registrations, sessions (sign-ins, refreshes, a spent refresh token
/// presented again, sign-outs here and everywhere, password changes and resets) and deletions.
extension SimulationRun {
    func register() async throws {
        guard users.filter({ !$0.deleted }).count < configuration.users else { return record("register skipped") }
        let alias = users.count
        let email = "user-\(alias)@example.com"
        let password = "correct horse battery"
        let user = try await harness.users.register(
            RegistrationForm(username: "User \(alias)", email: email, password: password))
        users.append(SimUser(alias: alias, id: user.id, email: email, username: "User \(alias)", password: password))
        try await signIn(alias)
        record("register u\(alias)")
    }

    /// A new session for the user, as their client starts one: a failed sign-in (the login throttle, say)
    /// leaves them signed out until the next.
    func signIn(_ alias: Int) async throws {
        do {
            let session = try await harness.users.login(email: users[alias].email, password: users[alias].password)
            users[alias].token = session.token
            users[alias].refresh = session.refreshToken
        } catch let error as CommerceError {
            users[alias].token = nil
            users[alias].refresh = nil
            record("sign in u\(alias) \(error.code)")
        }
    }

    /// One thing a live user does with their session, chosen by the seed; what must be refused is checked.
    func session() async throws {
        let live = users.indices.filter { !users[$0].deleted }
        guard let alias = live.randomElement(using: &random) else { return record("session skipped") }
        switch Int.random(in: 0..<9, using: &random) {
        case 0:
            try await signIn(alias)
            record("sign in u\(alias)")
        case 1: try await refresh(alias)
        case 2: try await presentSpentRefreshToken(alias)
        case 3: try await signOut(alias)
        case 4:
            try await revoke(alias, "sign out everywhere") {
                try await self.harness.users.logOutEverywhere(self.users[alias].id, as: .user(self.users[alias].id))
            }
        case 5: try await changePassword(alias)
        case 6:
            try? await harness.users.requestPasswordReset(email: users[alias].email)
            record("reset asked u\(alias)")
        case 7: try await confirmReset(alias)
        default: try await patchProfile(alias)
        }
    }

    /// A new name and, now and then, the phone number removed: what is acknowledged must read back.
    func patchProfile(_ alias: Int) async throws {
        let name = "User \(alias) at \(step)"
        let patch = ProfilePatch(username: .set(name), phone: random.chance(50) ? .removed : .unchanged)
        do {
            let user = try await harness.users.updateProfile(users[alias].id, with: patch, as: .user(users[alias].id))
            users[alias].username = user.username.value
            record("profile u\(alias) ok")
        } catch let error as CommerceError {
            record("profile u\(alias) \(error.code)")
        }
    }

    func refresh(_ alias: Int) async throws {
        guard let refresh = users[alias].refresh else { return record("refresh u\(alias) signed out") }
        do {
            let next = try await harness.users.refresh(refresh)
            users[alias].spent.append(refresh)
            users[alias].token = next.token
            users[alias].refresh = next.refreshToken
            record("refresh u\(alias) ok")
        } catch let error as CommerceError {
            record("refresh u\(alias) \(error.code)")
        }
    }

    /// A copy of a spent refresh token, presented again: refused, and it ends the session it came from.
    func presentSpentRefreshToken(_ alias: Int) async throws {
        guard let spent = users[alias].spent.randomElement(using: &random) else {
            return record("replay refresh u\(alias) none")
        }
        await expectRefused(refresh: spent, "a spent refresh token of u\(alias) was taken again")
        record("replay refresh u\(alias) refused")
        try await signIn(alias)
    }

    /// Presents `refresh`, which must be refused: taken, it breaks `revoked-tokens-refused` (`what` says how).
    func expectRefused(refresh: String, _ what: String) async {
        if (try? await harness.users.refresh(refresh)) != nil { violate(.revokedTokensRefused, what) }
    }

    /// Signs out of the current session: its refresh token is refused from then on.
    func signOut(_ alias: Int) async throws {
        guard let token = users[alias].token, let refresh = users[alias].refresh else {
            return record("sign out u\(alias) signed out")
        }
        do {
            try await harness.users.logout(accessToken: token)
        } catch let error as CommerceError {
            return record("sign out u\(alias) \(error.code)")
        }
        await expectRefused(refresh: refresh, "u\(alias)'s refresh token was taken after they signed out")
        record("sign out u\(alias)")
        try await signIn(alias)
    }

    func changePassword(_ alias: Int) async throws {
        let password = "correct horse battery \(step)"
        try await revoke(alias, "password change") {
            let session = try await self.harness.users.changePassword(
                self.users[alias].id, currentPassword: self.users[alias].password, newPassword: password,
                as: .user(self.users[alias].id))
            self.users[alias].password = password
            self.users[alias].token = session.token
            self.users[alias].refresh = session.refreshToken
        }
    }

    /// Sets a new password with the reset token the notifier last took for the user, if unused.
    func confirmReset(_ alias: Int) async throws {
        guard let address = try? EmailAddress(users[alias].email),
            let notice = await harness.notifier.lastPasswordReset(for: address),
            !users[alias].usedResets.contains(notice.token)
        else { return record("reset u\(alias) none") }
        users[alias].usedResets.insert(notice.token)
        let password = "correct horse battery \(step)"
        try await revoke(alias, "password reset") {
            try await self.harness.users.confirmPasswordReset(token: notice.token, newPassword: password)
            self.users[alias].password = password
        }
    }

    /// Runs `revocation`, which voids the user's tokens issued before it: the User service refuses the
    /// old access token at once (the Order service once it is delivered, checked as placements use it);
    /// then the user signs in again when the revocation did not hand them a new session.
    func revoke(_ alias: Int, _ what: String, _ revocation: () async throws -> Void) async throws {
        let old = users[alias].token
        do {
            try await revocation()
        } catch let error as CommerceError {
            return record("\(what) u\(alias) \(error.code)")
        }
        if let old {
            users[alias].voided.append(old)
            if (try? await harness.users.authenticate(bearer: old)) != nil {
                violate(.revokedTokensRefused, "the User service took u\(alias)'s token after \(what)")
            }
        }
        record("\(what) u\(alias)")
        if users[alias].token == old { try await signIn(alias) }
    }

    func deleteUser() async throws {
        let live = users.indices.filter { !users[$0].deleted }
        guard let index = live.randomElement(using: &random) else { return record("delete skipped") }
        let deletion = try await harness.users.delete(users[index].id, as: .user(users[index].id))
        users[index].deleted = true
        record("delete u\(index) orders \(deletion.orders.rawValue)")
    }
}
