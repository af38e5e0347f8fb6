#ifndef DREHSCHEIBE_CJEMALLOC_H
#define DREHSCHEIBE_CJEMALLOC_H

/// The process's memory allocator. Linking this target links jemalloc (Debian's
/// libjemalloc-dev, built without a symbol prefix), whose malloc and free then serve the whole
/// process: the Swift runtime, Foundation, SQLite and librabbitmq alike.

/// jemalloc's version string ("5.3.0-0-g…"), or NULL when another allocator answers malloc.
const char *cjemalloc_version(void);

#endif
