import AsyncHTTPClient
import CommerceCore
import CommerceSupport
import Foundation
import NIOCore
import NIOHTTP1

/// A ``Notifier`` that POSTs each notice as JSON to a webhook — the shop's mail service, or a small
/// function in front of it: `{"type":"password-reset","email":…,"token":…,"expiresAt":…}`, signed in
/// `X-Commerce-Signature` (``WebhookSignature``) and named by `X-Commerce-Event-Id` (the same on a retry).
///
/// Any 2xx answer means the receiver took it; anything else, or no answer within 10 s, is a failure the
/// outbox retries. The body holds the token: use an `https://` URL outside a private network.
public struct WebhookNotifier: Notifier {
    private let client: HTTPClient
    private let url: String
    private let signature: WebhookSignature
    private let clock: any CommerceClock

    /// A notifier posting to `url`, signing with `secret` (≥ 32 bytes, shared with the receiver).
    public init(client: HTTPClient, url: String, secret: SigningSecret, clock: any CommerceClock = SystemClock()) {
        self.client = client
        self.url = url
        self.signature = WebhookSignature(secret: secret)
        self.clock = clock
    }

    /// The JSON body of `notice`.
    static func body(of notice: Notice) -> [UInt8] {
        var writer = JSONWriter()
        switch notice {
        case .passwordReset(let reset):
            writer.beginObject()
            writer.member("email", reset.email.value)
            writer.member("expiresAt", Timestamp.format(reset.expiresAt))
            writer.member("token", reset.token)
            writer.member("type", "password-reset")
            writer.endObject()
        }
        return writer.bytes
    }

    /// POSTs the notice once.
    /// - Throws: ``CommerceError/Code/unavailable`` for anything but a 2xx answer.
    public func send(_ notice: Notice) async throws {
        let body = Self.body(of: notice)
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: WebhookSignature.header, value: signature.header(for: body, at: clock.now()))
        if case .passwordReset(let reset) = notice {
            request.headers.add(name: "x-commerce-event-id", value: reset.eventId.description)
        }
        if let requestID = RequestID.current { request.headers.add(name: "x-request-id", value: requestID.text) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let status: HTTPResponseStatus
        do {
            let response = try await client.execute(request, timeout: .seconds(10))
            status = response.status
            _ = try? await response.body.collect(upTo: 64 * 1024)
        } catch let error as CancellationError {
            throw error
        } catch {
            throw CommerceError.unavailable("The notification webhook could not be reached.")
        }
        guard (200..<300).contains(status.code) else {
            throw CommerceError.unavailable("The notification webhook answered HTTP \(status.code).")
        }
    }
}
