#include "CSQLite.h"
#include <stddef.h>
#include <pthread.h>
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
