// The in-memory stores live in their own module so that CommerceTesting (and an app's own tests) can
// use them without linking GRDB; CommerceStorage keeps offering them beside the SQLite stores.
@_exported import CommerceInMemory
