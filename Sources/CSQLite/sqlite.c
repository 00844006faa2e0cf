#define _GNU_SOURCE
#include "CSQLite.h"
#include <stddef.h>
#include <pthread.h>
#include <string.h>
#include <sqlite3.h>

/* Memory statistics cost a global mutex on every allocation; intake never reads them.
   sqlite3_config must come before SQLite initialises, once per process. */
static pthread_once_t configured = PTHREAD_ONCE_INIT;
static void configure(void) { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); }

int intake_db_open(const char *path, int readonly, intake_db **db) {
    pthread_once(&configured, configure);
    sqlite3 *handle = NULL;
    int flags = readonly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    flags |= SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(path, &handle, flags, NULL);
    *db = (intake_db *)handle;
    if (rc == SQLITE_OK) sqlite3_busy_timeout(handle, 30000);
    return rc;
}

int intake_db_close(intake_db *db) { return sqlite3_close_v2((sqlite3 *)db); }

int intake_db_exec(intake_db *db, const char *sql) { return sqlite3_exec((sqlite3 *)db, sql, NULL, NULL, NULL); }

const char *intake_db_errmsg(intake_db *db) { return db ? sqlite3_errmsg((sqlite3 *)db) : "out of memory"; }

int64_t intake_db_changes(intake_db *db) { return sqlite3_changes((sqlite3 *)db); }

int intake_db_prepare(intake_db *db, const char *sql, intake_stmt **stmt) {
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2((sqlite3 *)db, sql, -1, &s, NULL);
    *stmt = (intake_stmt *)s;
    return rc;
}

int intake_stmt_bind_int64(intake_stmt *stmt, int index, int64_t value) {
    return sqlite3_bind_int64((sqlite3_stmt *)stmt, index, value);
}

int intake_stmt_bind_text(intake_stmt *stmt, int index, const char *text, int length) {
    return sqlite3_bind_text((sqlite3_stmt *)stmt, index, text, length, SQLITE_TRANSIENT);
}

int intake_stmt_bind_null(intake_stmt *stmt, int index) { return sqlite3_bind_null((sqlite3_stmt *)stmt, index); }

int intake_stmt_bind_blob(intake_stmt *stmt, int index, const void *bytes, int length) {
    return sqlite3_bind_blob((sqlite3_stmt *)stmt, index, bytes, length, SQLITE_TRANSIENT);
}

int intake_stmt_step(intake_stmt *stmt) { return sqlite3_step((sqlite3_stmt *)stmt); }

int intake_stmt_reset(intake_stmt *stmt) {
    sqlite3_clear_bindings((sqlite3_stmt *)stmt);
    return sqlite3_reset((sqlite3_stmt *)stmt);
}

int intake_stmt_finalize(intake_stmt *stmt) { return sqlite3_finalize((sqlite3_stmt *)stmt); }

int intake_stmt_column_type(intake_stmt *stmt, int column) {
    return sqlite3_column_type((sqlite3_stmt *)stmt, column) == SQLITE_NULL ? INTAKE_DB_NULL : 1;
}

int64_t intake_stmt_column_int64(intake_stmt *stmt, int column) {
    return sqlite3_column_int64((sqlite3_stmt *)stmt, column);
}

const unsigned char *intake_stmt_column_text(intake_stmt *stmt, int column, int *length) {
    const unsigned char *text = sqlite3_column_text((sqlite3_stmt *)stmt, column);
    *length = sqlite3_column_bytes((sqlite3_stmt *)stmt, column);
    return text;
}

const void *intake_stmt_column_blob(intake_stmt *stmt, int column, int *length) {
    const void *bytes = sqlite3_column_blob((sqlite3_stmt *)stmt, column);
    *length = sqlite3_column_bytes((sqlite3_stmt *)stmt, column);
    return bytes;
}

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* glibc's memmem runs at about 1.7 GB/s on search keys here (its hashing pays off on long
   needles, not on the 2-12 bytes of a name or a phone number). Comparing the needle's first
   and last bytes with 16 places at once and checking the rest only where both agree
   (W. Mula, "SIMD-friendly algorithms for substring searching") is several times faster on
   Korean text, whose first bytes repeat. */
const void *intake_find(const void *haystack, size_t haystack_length, const void *needle, size_t needle_length) {
    const unsigned char *h = haystack, *n = needle;
    if (needle_length == 0) return haystack;
    if (needle_length > haystack_length) return NULL;
    if (needle_length == 1) return memchr(haystack, n[0], haystack_length);
#if defined(__SSE2__)
    const size_t last = needle_length - 1;
    const __m128i first_byte = _mm_set1_epi8((char)n[0]);
    const __m128i last_byte = _mm_set1_epi8((char)n[last]);
    size_t i = 0;
    for (; i + last + 16 <= haystack_length; i += 16) {
        __m128i a = _mm_loadu_si128((const __m128i *)(h + i));
        __m128i b = _mm_loadu_si128((const __m128i *)(h + i + last));
        unsigned mask = (unsigned)_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, first_byte), _mm_cmpeq_epi8(b, last_byte)));
        while (mask) {
            unsigned bit = (unsigned)__builtin_ctz(mask);
            if (memcmp(h + i + bit + 1, n + 1, last - 1) == 0) return h + i + bit;
            mask &= mask - 1;
        }
    }
    if (i + last >= haystack_length) return NULL;
    return memmem(h + i, haystack_length - i, needle, needle_length);
#else
    return memmem(haystack, haystack_length, needle, needle_length);
#endif
}
