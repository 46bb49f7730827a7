import CommerceCore
import PostgresNIO
import Synchronization

/// Work on PostgreSQL connections that ends, with ``PostgresConnectionClosed``, as soon as its connection
/// closes — whatever the work is waiting for.
///
/// postgres-nio (1.33.2) hands each statement to its connection's channel with `channel.write(task,
/// promise: nil)` (`PostgresConnection.swift`, `PostgresClient.swift` in its sources). When the server has
/// just closed that connection and the pool has not yet dropped it, the channel has already lost its
/// handlers: the write fails at the pipeline's head with no promise to tell, so the statement's own promise is
/// never completed and its caller waits forever. NIO completes the channel's `closeFuture` in the same step
/// that removes the handlers, so every statement lost that way is written after that future completed, and
/// failing the work when it completes frees its caller without a timeout that could also cut a slow statement
/// on a live connection (`PostgresRestartTests` restarts PostgreSQL under load).
///
/// Each connection's `closeFuture` gets one callback, the first time work runs on it, rather than one for
/// each piece of work: a pooled connection lives for hours and a future keeps its callbacks until it
/// completes. Connections are told apart by their `id`, which one `PostgresClient` never gives twice, so one
/// watch serves one client.
final class PostgresConnectionWatch: Sendable {
    private typealias Failure = @Sendable () -> Void

    /// What fails each piece of work running on a connection, by connection and then by piece.
    private struct State {
        var running: [PostgresConnection.ID: [Int: Failure]] = [:]
        var nextPiece = 0
    }

    private let state = Mutex(State())

    /// `work`'s answer, or ``PostgresConnectionClosed`` when `connection` closes before it answers.
    ///
    /// `work` runs in a task of its own, on the caller's task executor and with its task-local values, and
    /// is cancelled with the caller. Work on a closed connection may be left waiting after its caller went
    /// on: it holds that closed connection and nothing else.
    func run<Answer: Sendable>(
        on connection: PostgresConnection, _ work: @escaping @Sendable () async throws -> Answer
    ) async throws -> Answer {
        // The work's task, and whether the caller was cancelled (perhaps before that task was made).
        let worker = Mutex<(task: Task<Void, Never>?, cancelled: Bool)>((nil, false))
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let answer = OneAnswer(continuation)
                let (piece, firstOnConnection) = state.withLock { state in
                    let piece = state.nextPiece
                    state.nextPiece &+= 1
                    let first = state.running[connection.id] == nil
                    state.running[connection.id, default: [:]][piece] = {
                        answer.give(.failure(PostgresConnectionClosed()))
                    }
                    return (piece, first)
                }
                if firstOnConnection {
                    // Outside the lock: on a closed connection the callback may run at once, and takes it.
                    connection.closeFuture.whenComplete { [self, id = connection.id] _ in closed(id) }
                }
                worker.withLock { worker in
                    worker.task = Task.onCurrentExecutor {
                        let outcome: Result<Answer, any Error>
                        do { outcome = .success(try await work()) } catch { outcome = .failure(error) }
                        self.state.withLock { _ = $0.running[connection.id]?.removeValue(forKey: piece) }
                        answer.give(outcome)
                    }
                    if worker.cancelled { worker.task?.cancel() }
                }
            }
        } onCancel: {
            worker.withLock { worker in
                worker.cancelled = true
                worker.task?.cancel()
            }
        }
    }

    /// Fails the work still running on the connection `id`, which has closed.
    private func closed(_ id: PostgresConnection.ID) {
        guard let failures = state.withLock({ $0.running.removeValue(forKey: id) }) else { return }
        for fail in failures.values { fail() }
    }
}

/// A continuation resumed by the first of the answers given to it, the others ignored.
private final class OneAnswer<Answer: Sendable>: Sendable {
    private let continuation: Mutex<CheckedContinuation<Answer, any Error>?>

    init(_ continuation: CheckedContinuation<Answer, any Error>) {
        self.continuation = Mutex(continuation)
    }

    func give(_ outcome: Result<Answer, any Error>) {
        continuation.withLock { waiting in
            defer { waiting = nil }
            return waiting
        }?.resume(with: outcome)
    }
}

/// The connection a piece of work ran on closed before the work answered; nothing tells whether a write in it
/// committed, as with any connection lost mid-statement.
struct PostgresConnectionClosed: Error {}
