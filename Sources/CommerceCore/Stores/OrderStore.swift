/// Everything the Order service keeps, as one store: orders and their lifecycle, idempotency records, the
/// shop's catalog, and the revocation marks and tombstones. A store of every concern, because a placement
/// reads all of them in the order's own transaction.
///
/// Each concern has its own contract and conformance group; `OrderStoreConformance` runs them all.
public typealias OrderStore = IdempotencyStore & OrderRecordStore & ProductCatalog & RevocationMarkStore
