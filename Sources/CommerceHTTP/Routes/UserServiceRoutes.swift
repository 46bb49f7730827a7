import CommerceCore
import Foundation
import HTTPTypes
import Hummingbird

extension Router where Context: ClientAddressRequestContext {
    /// Mounts the User service under `/api/user` on this router: register, log in, refresh, log out (here
    /// or everywhere), read, change the profile or the password, reset a forgotten password, delete, and the
    /// operator's role change.
    ///
    /// The router's context must say the connection's address (``ClientAddressRequestContext``;
    /// ``CommerceRequestContext`` does), from which — and, for a connection from one of `trustedProxies`,
    /// the forwarding headers — the client's address is found for the per-address login throttle. The
    /// routes answer every error as `application/problem+json` on their own, so they can be mounted in any
    /// application. Record them in `routeTable` to have a known path with another method answer 405.
    @discardableResult
    public func addUserServiceRoutes(
        users: UserService, credentials: Credentials, trustedProxies: TrustedProxies = .none,
        routeTable: RouteTable = RouteTable()
    ) -> Self {
        let api = group().add(middleware: ProblemMiddleware<Context>(routes: routeTable))
        // Every bearer token is checked against its user in the store: gone or revoked is refused at once.
        @Sendable func caller(_ request: Request) async throws -> Principal {
            try await users.authenticate(try await credentials.access(request))
        }
        @Sendable func clientAddress(_ request: Request, _ context: Context) -> String? {
            trustedProxies.clientAddress(peer: context.peerAddress, headers: request.headers)
        }
        api.route(.post, "/api/user", in: routeTable) { request, context in
            let form = try await JSONBody.decode(RegistrationForm.self, from: request, context: context)
            let user = try await users.register(form)
            return JSONBody.response(
                UserRepresentation(user), status: .created, headers: [.location: "/api/user/\(user.id)"])
        }
        api.route(.post, "/api/user/login", in: routeTable) { request, context in
            let form = try await JSONBody.decode(LoginForm.self, from: request, context: context)
            let issued = try await users.login(
                email: form.email, password: form.password, clientAddress: clientAddress(request, context))
            return JSONBody.response(SignInRepresentation(issued), headers: [.cacheControl: "no-store"])
        }
        api.route(.post, "/api/user/token", in: routeTable) { request, context in
            let form = try await JSONBody.decode(RefreshForm.self, from: request, context: context)
            let renewed = try await users.refresh(form.refreshToken)
            return JSONBody.response(SignInRepresentation(renewed), headers: [.cacheControl: "no-store"])
        }
        api.route(.post, "/api/user/password-reset", in: routeTable) { request, context in
            let form = try await JSONBody.decode(PasswordResetForm.self, from: request, context: context)
            try await users.requestPasswordReset(email: form.email, clientAddress: clientAddress(request, context))
            return Response(status: .accepted)
        }
        api.route(.post, "/api/user/password-reset/confirm", in: routeTable) { request, context in
            let form = try await JSONBody.decode(PasswordResetConfirmation.self, from: request, context: context)
            try await users.confirmPasswordReset(token: form.token, newPassword: form.newPassword)
            return Response(status: .noContent)
        }
        api.route(.post, "/api/user/logout", in: routeTable) { request, _ in
            guard let token = Credentials.bearerToken(request) else {
                throw CommerceError.unauthenticated("A bearer token is required.")
            }
            try await users.logout(accessToken: token)
            return Response(status: .noContent)
        }
        api.route(.get, "/api/user/{id}", in: routeTable) { request, context in
            let user: User
            if request.headers[.apiKey] != nil {
                let principal = try credentials.internalService(request)
                user = try await users.user(try context.parameters.id("id", as: UserID.self), as: principal)
            } else {
                // The caller's own record is read once: the read that answers also judges the token.
                let access = try await credentials.access(request)
                user = try await users.user(try context.parameters.id("id", as: UserID.self), for: access)
            }
            return JSONBody.response(UserRepresentation(user), headers: [.eTag: EntityTag.of(user)])
        }
        api.route(.patch, "/api/user/{id}", in: routeTable) { request, context in
            let principal = try await caller(request)
            let id = try context.parameters.id("id", as: UserID.self)
            let patch = try await JSONBody.decode(ProfilePatch.self, from: request, context: context)
            let user = try await users.updateProfile(
                id, with: patch, ifMatch: EntityTag.precondition(request.headers[.ifMatch]),
                clientAddress: clientAddress(request, context), as: principal)
            return JSONBody.response(UserRepresentation(user), headers: [.eTag: EntityTag.of(user)])
        }
        api.route(.put, "/api/user/{id}/role", in: routeTable) { request, context in
            // The operator's call: the internal key only; a bearer token of any role is refused.
            let principal = try credentials.internalService(request)
            let id = try context.parameters.id("id", as: UserID.self)
            let form = try await JSONBody.decode(RoleForm.self, from: request, context: context)
            guard let role = form.role.flatMap(UserRole.init(rawValue:)) else {
                let known = UserRole.allCases.map(\.rawValue).joined(separator: " or ")
                throw CommerceError.validation(field: "role", form.role == nil ? "is required" : "must be \(known)")
            }
            return JSONBody.response(UserRepresentation(try await users.setRole(id, to: role, as: principal)))
        }
        api.route(.delete, "/api/user/{id}", in: routeTable) { request, context in
            let principal = try await caller(request)
            let id = try context.parameters.id("id", as: UserID.self)
            return JSONBody.response(DeletionRepresentation(try await users.delete(id, as: principal)))
        }
        api.route(.get, "/api/user/{id}/export", in: routeTable) { request, context in
            let principal = try await caller(request)
            let id = try context.parameters.id("id", as: UserID.self)
            let export = try await users.export(id, as: principal)
            return JSONBody.response(
                ExportRepresentation(export),
                headers: [
                    .contentDisposition: #"attachment; filename="user-\#(id).json""#, .cacheControl: "no-store",
                ])
        }
        api.route(.delete, "/api/user/{id}/sessions", in: routeTable) { request, context in
            let principal = try await caller(request)
            let id = try context.parameters.id("id", as: UserID.self)
            try await users.logOutEverywhere(id, as: principal)
            return Response(status: .noContent)
        }
        api.route(.put, "/api/user/{id}/password", in: routeTable) { request, context in
            let principal = try await caller(request)
            let id = try context.parameters.id("id", as: UserID.self)
            let form = try await JSONBody.decode(PasswordChangeForm.self, from: request, context: context)
            let signIn = try await users.changePassword(
                id, currentPassword: form.currentPassword, newPassword: form.newPassword,
                clientAddress: clientAddress(request, context), as: principal)
            return JSONBody.response(SignInRepresentation(signIn), headers: [.cacheControl: "no-store"])
        }
        return self
    }
}
