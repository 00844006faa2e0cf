// The narrow C interface through which IntakeKit keeps its derived index in SQLite.
//
// Only plain C types cross this header (an opaque handle, integers, C strings, byte
// buffers); sqlite3.h is included in sqlite.c alone, so no other target sees SQLite.

#ifndef INTAKE_CSQLITE_H
#define INTAKE_CSQLITE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define INTAKE_DB_OK 0
#define INTAKE_DB_ROW 100
#define INTAKE_DB_DONE 101

#define INTAKE_DB_NULL 5

typedef struct intake_db intake_db;
typedef struct intake_stmt intake_stmt;

/// Opens (creating) a database file; ":memory:" for a private one. 0 on success, else an
/// SQLite result code, with *db set to NULL or to a handle whose message says why.
int intake_db_open(const char *path, int readonly, intake_db **db);
int intake_db_close(intake_db *db);
/// Runs one or more statements without results.
int intake_db_exec(intake_db *db, const char *sql);
const char *intake_db_errmsg(intake_db *db);
int64_t intake_db_changes(intake_db *db);

int intake_db_prepare(intake_db *db, const char *sql, intake_stmt **stmt);
int intake_stmt_bind_int64(intake_stmt *stmt, int index, int64_t value);
int intake_stmt_bind_text(intake_stmt *stmt, int index, const char *text, int length);
int intake_stmt_bind_null(intake_stmt *stmt, int index);
/// Binds a copy of `length` bytes as a blob.
int intake_stmt_bind_blob(intake_stmt *stmt, int index, const void *bytes, int length);
int intake_stmt_step(intake_stmt *stmt);
int intake_stmt_reset(intake_stmt *stmt);
int intake_stmt_finalize(intake_stmt *stmt);
int intake_stmt_column_type(intake_stmt *stmt, int column);
int64_t intake_stmt_column_int64(intake_stmt *stmt, int column);
/// The column as UTF-8 (valid until the next step/reset), and its length in bytes.
const unsigned char *intake_stmt_column_text(intake_stmt *stmt, int column, int *length);
/// The column as bytes (valid until the next step/reset), and its length; NULL when empty.
const void *intake_stmt_column_blob(intake_stmt *stmt, int column, int *length);

/// The first place `needle` occurs in `haystack`, or NULL, as memmem(3) answers (SSE2 where the
/// machine has it, memmem otherwise). Search reads the index's packed search keys with it.
const void *intake_find(const void *haystack, size_t haystack_length, const void *needle, size_t needle_length);

#ifdef __cplusplus
}
#endif

#endif
