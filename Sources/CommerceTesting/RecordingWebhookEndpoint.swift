import CommerceCore
import Foundation

/// Every webhook endpoint a test subscribes, in one in-process ``WebhookSender``: it keeps each delivery
/// it takes, by URL, and answers as the test scripts per URL — a status, a 410, a connection that fails —
/// so a test can take one endpoint down while another stays healthy.
///
/// ```swift
/// await harness.webhooks.goDown("https://warehouse.example/hooks", answering: .status(503))
/// // … place orders; the mail endpoint hears them, the warehouse does not …
/// await harness.webhooks.heal("https://warehouse.example/hooks")
/// ```
public actor RecordingWebhookEndpoint: WebhookSender {
    /// One delivery an endpoint took.
    public struct Received: Sendable, Hashable {
        /// The event sent.
        public let event: OrderEvent
        /// The delivery it was sent as (its attempts before this one, its subscription).
        public let delivery: WebhookDelivery
    }

    private var received: [String: [Received]] = [:]
    private var queued: [String: [WebhookAnswer]] = [:]
    private var standing: [String: WebhookAnswer] = [:]
    /// How many of the next deliveries each URL takes without its answer reaching the sender.
    private var answersToLose: [String: Int] = [:]
    /// How many sends each URL saw, taken or not.
    private var attempts: [String: Int] = [:]

    /// Endpoints that take every delivery (answer 204) until told otherwise.
    public init() {}

    /// Takes the delivery (a 204) unless a fault is scripted for the subscription's URL.
    public func send(_ event: OrderEvent, delivery: WebhookDelivery, to subscription: WebhookSubscription)
        -> WebhookAnswer
    {
        let url = subscription.url.absoluteString
        attempts[url, default: 0] += 1
        if var faults = queued[url], !faults.isEmpty {
            let answer = faults.removeFirst()
            queued[url] = faults
            return answer
        }
        if let answer = standing[url] { return answer }
        received[url, default: []].append(Received(event: event, delivery: delivery))
        if let lose = answersToLose[url], lose > 0 {
            answersToLose[url] = lose - 1
            return .unreachable("timed out")
        }
        return .status(204)
    }

    /// The next `count` deliveries to `url` are taken, but the sender never hears so (it sees a time-out, as
    /// when the answer comes too late): each is sent again, so the endpoint takes it twice.
    public func loseNextAnswers(_ count: Int, at url: String) {
        answersToLose[url, default: 0] += count
    }

    /// The next `count` sends to `url` answer `answer` (a failing status, `.status(410)`, or
    /// `.unreachable`); later ones are taken.
    public func failNext(_ count: Int, at url: String, answering answer: WebhookAnswer = .status(503)) {
        queued[url, default: []] += Array(repeating: answer, count: count)
    }

    /// Every send to `url` answers `answer` until ``heal(_:)``.
    public func goDown(_ url: String, answering answer: WebhookAnswer = .unreachable("connection refused")) {
        standing[url] = answer
    }

    /// Drops the faults scripted for `url`.
    public func heal(_ url: String) {
        queued[url] = nil
        standing[url] = nil
        answersToLose[url] = nil
    }

    /// The deliveries `url` took, in the order it took them.
    public func deliveries(at url: String) -> [Received] { received[url] ?? [] }

    /// The events `url` took, in the order it took them.
    public func events(at url: String) -> [OrderEvent] { deliveries(at: url).map(\.event) }

    /// How many sends reached `url`, taken or failed.
    public func attempts(at url: String) -> Int { attempts[url] ?? 0 }
}
