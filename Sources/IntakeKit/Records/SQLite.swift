import CSQLite
import Foundation

/// A failure of the derived index's database: never a reason to stop a command, only to
/// rebuild the index from the stores (or, when that fails too, to work without a file).
struct SQLiteError: Error, CustomStringConvertible {
    var code: Int32
    var message: String
    var description: String { "SQLite error \(code): \(message)" }
}

/// One SQLite connection, used from one thread.
final class SQLiteDatabase {
    private let handle: OpaquePointer
    private var statements: [String: SQLiteStatement] = [:]

    init(path: String) throws(SQLiteError) {
        var db: OpaquePointer?
        let rc = intake_db_open(path, 0, &db)
        guard rc == INTAKE_DB_OK, let db else {
            let message = db.map { String(cString: intake_db_errmsg($0)) } ?? "cannot open"
            if let db { intake_db_close(db) }
            throw SQLiteError(code: rc, message: "\(path): \(message)")
        }
        handle = db
    }

    deinit {
        statements.values.forEach { $0.finalize() }
        intake_db_close(handle)
    }

    var errorMessage: String { String(cString: intake_db_errmsg(handle)) }

    func exec(_ sql: String) throws(SQLiteError) {
        let rc = intake_db_exec(handle, sql)
        guard rc == INTAKE_DB_OK else { throw SQLiteError(code: rc, message: errorMessage) }
    }

    /// A prepared statement, cached by its text.
    func statement(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        if let cached = statements[sql] {
            cached.reset()
            return cached
        }
        var stmt: OpaquePointer?
        let rc = intake_db_prepare(handle, sql, &stmt)
        guard rc == INTAKE_DB_OK, let stmt else { throw SQLiteError(code: rc, message: "\(errorMessage) in \(sql)") }
        let prepared = SQLiteStatement(stmt, db: self)
        statements[sql] = prepared
        return prepared
    }

    /// Runs a statement with bindings and no result rows.
    func run(_ sql: String, _ values: [SQLiteValue]) throws(SQLiteError) {
        let stmt = try statement(sql)
        try stmt.bind(values)
        _ = try stmt.step()
        stmt.reset()
    }

    /// The first column of the first row, as an integer.
    func int(_ sql: String, _ values: [SQLiteValue] = []) throws(SQLiteError) -> Int? {
        let stmt = try statement(sql)
        try stmt.bind(values)
        defer { stmt.reset() }
        guard try stmt.step() else { return nil }
        return stmt.isNull(0) ? nil : stmt.int(0)
    }

    /// Every row of a query, handed to `body` one at a time.
    func each(_ sql: String, _ values: [SQLiteValue] = [], _ body: (SQLiteStatement) throws(SQLiteError) -> Void) throws(SQLiteError) {
        let stmt = try statement(sql)
        try stmt.bind(values)
        defer { stmt.reset() }
        while try stmt.step() { try body(stmt) }
    }
}

enum SQLiteValue {
    case int(Int)
    case text(String)
    case blob([UInt8])
    case null
}

extension SQLiteValue {
    static func optional(_ text: String?) -> SQLiteValue { text.map(SQLiteValue.text) ?? .null }
}

final class SQLiteStatement {
    private let handle: OpaquePointer
    private unowned let db: SQLiteDatabase

    init(_ handle: OpaquePointer, db: SQLiteDatabase) {
        self.handle = handle
        self.db = db
    }

    func finalize() { intake_stmt_finalize(handle) }
    func reset() { intake_stmt_reset(handle) }

    func bind(_ values: [SQLiteValue]) throws(SQLiteError) {
        for (i, value) in values.enumerated() {
            let rc: Int32
            switch value {
            case .int(let n): rc = intake_stmt_bind_int64(handle, Int32(i + 1), Int64(n))
            case .null: rc = intake_stmt_bind_null(handle, Int32(i + 1))
            case .blob(let bytes):
                // As for text: an empty blob has no address, and NULL would bind SQL NULL.
                rc = bytes.withUnsafeBytes { intake_stmt_bind_blob(handle, Int32(i + 1), $0.baseAddress ?? UnsafeRawPointer(StaticString("").utf8Start), Int32($0.count)) }
            case .text(let s):
                let length = Int32(s.utf8.count)
                rc = s.withCString { intake_stmt_bind_text(handle, Int32(i + 1), $0, length) }
            }
            guard rc == INTAKE_DB_OK else { throw SQLiteError(code: rc, message: db.errorMessage) }
        }
    }

    /// Binds one value (positions count from 1), for statements run many times with few
    /// allocations: no array of values, the text copied once, by SQLite.
    func bind(_ position: Int32, _ value: Int) throws(SQLiteError) {
        try check(intake_stmt_bind_int64(handle, position, Int64(value)))
    }

    func bind(_ position: Int32, _ value: String?) throws(SQLiteError) {
        guard var text = value else { try check(intake_stmt_bind_null(handle, position)); return }
        let rc = text.withUTF8 { utf8 in
            // An empty string has no address; NULL would bind SQL NULL, so it points at a static "".
            let bytes = UnsafeRawPointer(utf8.baseAddress ?? StaticString("").utf8Start).assumingMemoryBound(to: CChar.self)
            return intake_stmt_bind_text(handle, position, bytes, Int32(utf8.count))
        }
        try check(rc)
    }

    /// Steps once (a statement without result rows) and resets.
    func execute() throws(SQLiteError) {
        defer { reset() }
        _ = try step()
    }

    private func check(_ rc: Int32) throws(SQLiteError) {
        guard rc == INTAKE_DB_OK else { throw SQLiteError(code: rc, message: db.errorMessage) }
    }

    /// Steps once: true when a row is ready.
    func step() throws(SQLiteError) -> Bool {
        let rc = intake_stmt_step(handle)
        if rc == INTAKE_DB_ROW { return true }
        if rc == INTAKE_DB_DONE { return false }
        throw SQLiteError(code: rc, message: db.errorMessage)
    }

    func isNull(_ column: Int) -> Bool { intake_stmt_column_type(handle, Int32(column)) == INTAKE_DB_NULL }
    func int(_ column: Int) -> Int { Int(intake_stmt_column_int64(handle, Int32(column))) }
    func text(_ column: Int) -> String {
        var length: Int32 = 0
        guard let bytes = intake_stmt_column_text(handle, Int32(column), &length) else { return "" }
        return String(decoding: UnsafeBufferPointer(start: bytes, count: Int(length)), as: UTF8.self)
    }
    func optionalText(_ column: Int) -> String? { isNull(column) ? nil : text(column) }
    /// The column's bytes, valid only inside `body` (until the next step).
    func withBlob<T>(_ column: Int, _ body: (UnsafeRawBufferPointer) -> T) -> T {
        var length: Int32 = 0
        let bytes = intake_stmt_column_blob(handle, Int32(column), &length)
        return body(UnsafeRawBufferPointer(start: bytes, count: bytes == nil ? 0 : Int(length)))
    }
    func blob(_ column: Int) -> [UInt8] {
        var length: Int32 = 0
        guard let bytes = intake_stmt_column_blob(handle, Int32(column), &length) else { return [] }
        return Array(UnsafeRawBufferPointer(start: bytes, count: Int(length)))
    }
}
