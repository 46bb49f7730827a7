/// Everything the User service keeps, as one store: its users, their sessions, password resets, and the
/// outbox its changes record events in. A store of every concern, because a deletion, a revocation and a
/// reset each change several of them in one transaction.
///
/// Each concern has its own contract and conformance group; `UserStoreConformance` runs them all.
public typealias UserStore = OutboxStore & PasswordResetStore & SessionStore & UserRecordStore
