import CommerceCore
import Foundation
import GRDB
import Synchronization

/// The newest pages of users' orders as the hot read last found them, with the user's revocation mark and
/// tombstone, kept until a write that can change them commits: a user reading their orders again reads no
/// database at all (Documentation/PerformanceLog.md measured the statement alone at about a fifth of the
/// request).
///
/// It is right because one process writes a SQLite file (Documentation/Scaling.md), and every store this
/// process opens on the file shares the file's one cache (``shared(by:)``), which observes each store's
/// writer connection. A write transaction of the store names the users whose pages it can change, none for
/// a write of other things (``writes(pagesOf:in:)``): when it commits, their pages are dropped. A transaction
/// that names nothing at all — any write this file does not know of — drops every page when it commits.
///
/// A read that misses takes a ``Stamp`` before it reads and remembers its page only if no write that could
/// change the page committed in between; a page is answered only while its stamp is current. A commit is
/// counted once it is visible to new reads, so a read that began before it either finds the page dropped or
/// is not remembered; and a write's caller is answered after the commit is counted, so it reads its own write.
///
/// Bounded: at most ``orderLimit`` orders in all, and ``pagesPerUser`` pages of each user; past it, other
/// users' pages are dropped to make room.
final class OrderPageCache: TransactionObserver, Sendable {
    /// A page as the hot read found it: the orders newest first, the user's revocation mark, whether the
    /// user is tombstoned.
    struct Page: Sendable {
        let voidBefore: Date?
        let tombstoned: Bool
        let orders: [Order]
    }

    /// The writes a read's page came after: the commits of unnamed writes and of writes naming users in the
    /// user's stripe.
    struct Stamp: Sendable, Equatable {
        fileprivate let unnamed: UInt64
        fileprivate let stripe: UInt64
    }

    private struct Entry {
        let status: OrderStatus?
        let limit: Int
        let stamp: Stamp
        let page: Page
    }

    private struct State {
        var unnamed: UInt64 = 0
        /// Commits naming a user, counted by stripe (a user's id hashed): fixed in size, however many users.
        var stripes = [UInt64](repeating: 0, count: OrderPageCache.stripeCount)
        private(set) var entries: [UserID: [Entry]] = [:]
        /// How many orders the entries hold.
        private(set) var orderCount = 0
        /// The users each connection's write transaction in progress named, by connection.
        var named: [ObjectIdentifier: Set<UserID>] = [:]

        func stamp(of userId: UserID) -> Stamp {
            Stamp(unnamed: unnamed, stripe: stripes[OrderPageCache.stripe(of: userId)])
        }

        mutating func keep(_ entries: [Entry], of userId: UserID) {
            drop(userId)
            orderCount += entries.reduce(0) { $0 + $1.page.orders.count }
            self.entries[userId] = entries
        }

        mutating func drop(_ userId: UserID) {
            guard let dropped = entries.removeValue(forKey: userId) else { return }
            orderCount -= dropped.reduce(0) { $0 + $1.page.orders.count }
        }

        mutating func dropAll() {
            entries = [:]
            orderCount = 0
        }
    }

    static let stripeCount = 1024
    /// How many orders the kept pages hold at most, all users together (under a megabyte).
    static let orderLimit = 4096
    /// How many pages (statuses and lengths) of one user are kept.
    static let pagesPerUser = 4

    private let state = Mutex(State())

    private static func stripe(of userId: UserID) -> Int {
        Int(UInt(bitPattern: userId.hashValue) % UInt(stripeCount))
    }

    /// The page of `userId`'s newest `limit` orders (of `status`, when given), if one is kept and current.
    func page(of userId: UserID, status: OrderStatus?, limit: Int) -> Page? {
        state.withLock { state in
            guard let entries = state.entries[userId] else { return nil }
            let stamp = state.stamp(of: userId)
            return entries.first { $0.status == status && $0.limit == limit && $0.stamp == stamp }?.page
        }
    }

    /// What a read of `userId`'s page must take before it reads, to remember its page after.
    func stamp(of userId: UserID) -> Stamp {
        state.withLock { $0.stamp(of: userId) }
    }

    /// Keeps `page`, read after `stamp` was taken, unless a write that could change it committed since.
    func remember(_ page: Page, of userId: UserID, status: OrderStatus?, limit: Int, readAfter stamp: Stamp) {
        state.withLock { state in
            guard state.stamp(of: userId) == stamp, page.orders.count <= Self.orderLimit else { return }
            let entry = Entry(status: status, limit: limit, stamp: stamp, page: page)
            var entries = state.entries[userId] ?? []
            entries.removeAll { $0.status == status && $0.limit == limit || $0.stamp != stamp }
            if entries.count >= Self.pagesPerUser { entries.removeFirst() }
            state.keep(entries + [entry], of: userId)
            while state.orderCount > Self.orderLimit, let other = state.entries.keys.first(where: { $0 != userId }) {
                state.drop(other)
            }
            // The user's own older pages go last; the page just read always fits.
            if state.orderCount > Self.orderLimit { state.keep([entry], of: userId) }
        }
    }

    /// Names, inside `db`'s write transaction, the users whose pages it can change — none, for a write of
    /// other things; their pages are dropped when it commits.
    func writes(pagesOf users: some Sequence<UserID>, in db: Database) {
        state.withLock { state in state.named[ObjectIdentifier(db), default: []].formUnion(users) }
    }

    /// How many users' pages are kept, and how many orders they hold, for tests.
    var kept: (users: Int, orders: Int) { state.withLock { ($0.entries.count, $0.orderCount) } }

    /// Whether a commit naming one of two users also makes the other's pages stale, for tests.
    func sharesStripe(_ one: UserID, _ other: UserID) -> Bool { Self.stripe(of: one) == Self.stripe(of: other) }

    // MARK: TransactionObserver (called on the writer's queue)

    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { false }

    func databaseDidChange(with event: DatabaseEvent) {}

    func databaseDidCommit(_ db: Database) {
        state.withLock { state in
            guard let named = state.named.removeValue(forKey: ObjectIdentifier(db)) else {
                state.unnamed &+= 1
                state.dropAll()
                return
            }
            for userId in named {
                state.stripes[Self.stripe(of: userId)] &+= 1
                state.drop(userId)
            }
        }
    }

    func databaseDidRollback(_ db: Database) {
        state.withLock { _ = $0.named.removeValue(forKey: ObjectIdentifier(db)) }
    }
}

extension OrderPageCache {
    private struct Held: Sendable {
        weak var cache: OrderPageCache?
    }

    /// The caches of the files this process has open, by file.
    private static let open = Mutex<[SQLiteFileIdentity.Key: Held]>([:])

    /// The cache of `file`, shared by every store this process has open on it, so that each sees the
    /// others' writes; a cache of its own for a database with no file (in memory: one store holds it).
    static func shared(by file: SQLiteFileIdentity?) -> OrderPageCache {
        guard let key = file?.key else { return OrderPageCache() }
        return open.withLock { open in
            open = open.filter { $0.value.cache != nil }
            if let cache = open[key]?.cache { return cache }
            let cache = OrderPageCache()
            open[key] = Held(cache: cache)
            return cache
        }
    }
}
