#ifndef COMMERCE_SQLITE_SETTINGS_H
#define COMMERCE_SQLITE_SETTINGS_H

/// Turns SQLite's memory statistics off for the whole process (`SQLITE_CONFIG_MEMSTATUS`, 0), so its
/// allocator no longer takes a global mutex and updates counters on every allocation. `sqlite3_config` is a
/// C variadic function, which Swift cannot call; hence this one. It takes effect only before SQLite is first
/// initialized (any connection opened initializes it): returns `SQLITE_OK` (0) then, and `SQLITE_MISUSE`
/// (21) once it is too late, which changes nothing else.
int commerce_sqlite_disable_memory_statistics(void);

#endif
