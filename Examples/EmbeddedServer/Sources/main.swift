// Both swift-commerce services embedded in your own Hummingbird application: in-memory stores, in-process
// peers, and their routes mounted next to your own on one router and one port (Shop.swift). Run it with
//
//     swift run commerce-embedded-example        # then: curl localhost:8080/api/products
import CommerceStorage
import Foundation
import Hummingbird

// Your secrets, each at least 32 bytes, from your own configuration: here the environment, with
// development values when it has none.
let environment = ProcessInfo.processInfo.environment
let jwtSecret = environment["JWT_SECRET"] ?? "embedded-example-secret-of-32-bytes-or-more"
let apiKey = environment["API_KEY"] ?? "embedded-example-api-key-of-32-bytes-or-more"

let shop = try await makeShop(
    jwtSecret: jwtSecret, apiKey: apiKey, userStore: InMemoryUserStore(), orderStore: InMemoryOrderStore())
// Runs the application and its services' background work; SIGTERM or SIGINT stops them all.
try await shop.runService()
