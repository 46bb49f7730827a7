import CommerceCore
import HTTPTypes
import Hummingbird

extension Router {
    /// Mounts the User service under `/api/user` on this router: register, log in, read, delete.
    ///
    /// The routes answer every error as `application/problem+json` on their own, so they can be mounted in
    /// any application. Record them in `routeTable` to have a known path with another method answer 405.
    @discardableResult
    public func addUserServiceRoutes(
        users: UserService, credentials: Credentials, routeTable: RouteTable = RouteTable()
    ) -> Self {
        let api = group("api/user").add(middleware: ProblemMiddleware<Context>(routes: routeTable))
        routeTable.add(.post, "/api/user")
        api.post { request, context in
            let form = try await JSONBody.decode(RegistrationForm.self, from: request, context: context)
            let user = try await users.register(form)
            return JSONBody.response(
                UserRepresentation(user), status: .created, headers: [.location: "/api/user/\(user.id)"])
        }
        routeTable.add(.post, "/api/user/login")
        api.post("login") { request, context in
            let form = try await JSONBody.decode(LoginForm.self, from: request, context: context)
            let issued = try await users.login(
                email: form.email, password: form.password, clientAddress: context.clientAddress)
            return try JSONBody.response(
                LoginRepresentation(
                    token: issued.token, expiresIn: Int(issued.expiresIn.timeInterval), userId: issued.userId.description),
                headers: [.cacheControl: "no-store"])
        }
        routeTable.add(.get, "/api/user/{id}")
        api.get(":id") { request, context in
            let principal = try await credentials.userOrInternalService(request)
            let id = try context.parameters.id("id", as: UserID.self)
            return JSONBody.response(UserRepresentation(try await users.user(id, as: principal)))
        }
        routeTable.add(.delete, "/api/user/{id}")
        api.delete(":id") { request, context in
            let principal = try await credentials.user(request)
            let id = try context.parameters.id("id", as: UserID.self)
            return try JSONBody.response(try await users.delete(id, as: principal))
        }
        return self
    }
}
