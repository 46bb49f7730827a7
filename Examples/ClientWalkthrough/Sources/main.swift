import CommerceClient
import Foundation

// Runs the walkthrough against running services: USER_SERVICE_URL and ORDER_SERVICE_URL (by default
// http://127.0.0.1:3000 and :5000, as `commerce-server run` serves them), ordering PRODUCT_ID (tea-1, the
// README's product).
let environment = ProcessInfo.processInfo.environment
let users = URL(string: environment["USER_SERVICE_URL"] ?? "http://127.0.0.1:3000")!
let orders = URL(string: environment["ORDER_SERVICE_URL"] ?? "http://127.0.0.1:5000")!
let walkthrough = ClientWalkthrough(
    client: CommerceClient(userService: users, orderService: orders),
    productId: environment["PRODUCT_ID"] ?? "tea-1", say: { print($0) })
_ = try await walkthrough.run()
