import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The derived index beside the stores, `data/index/site.sqlite`: what the commands ask,
/// without reading the stores whole.
///
/// It is never the truth. Each store's watermark (the byte offset after the last line taken
/// in, that line's seq, where it starts and a hash of it) is kept in the same transaction as
/// the rows taken from it; opening reads only the lines after it, so an append whose index
/// update was lost (a crash in between) is taken in on the next open, and a line is never
/// taken twice. A watermark the store no longer agrees with (the store shrank or the line
/// there changed), a damaged file or another schema version: the index is rebuilt from the
/// stores. When `data/index/` cannot be written, the index lives in memory for the command.
final class SiteIndex {
    static let schemaVersion = 6
    static let fileName = "site.sqlite"

    let db: SQLiteDatabase
    let path: String
    private var inTransaction = false
    /// Taking every line in from nothing: rows only; what derives from several stores (the
    /// messages owed, the counts) and the secondary indexes are made once at the end, by
    /// ``finishBulk()``, instead of being looked up and kept right line by line.
    private(set) var bulk = false
    /// The search block being added to, written at the next commit (``flushSearchBlock()``).
    private var searchBlock: (block: Int, hay: [UInt8], lastSeq: Int)?
    /// Whether a bulk load took the file out of WAL mode (``beginBulk()``).
    private var leftWAL = false

    static func directory(_ site: Site) -> String { FileSystem.join(site.data, "index") }
    static func path(_ site: Site) -> String { FileSystem.join(directory(site), fileName) }

    private init(db: SQLiteDatabase, path: String, madeNow: Bool = false) {
        self.db = db
        self.path = path
        self.madeNow = madeNow
    }

    /// Whether this open made the file (it was not there): only then may a bulk load take it
    /// out of WAL mode, since no other connection can have been using it before.
    private let madeNow: Bool

    /// Opens the site's index file, recreating it when it is damaged or of another schema.
    ///
    /// A writer (it holds the site lock) must have the site's index: when it can be neither
    /// opened nor made again, that is said as an I/O error (exit 74), never worked around in
    /// silence. A reader that may not write `data/index/` gets a private index in memory,
    /// built for that command only.
    static func open(site: Site, file: String? = nil, writable: Bool) throws(IntakeError) -> SiteIndex {
        let dir = directory(site)
        let file = file ?? path(site)
        var failure: SQLiteError?
        var made = true
        do throws(IntakeError) { try FileSystem.makeDirectory(dir) } catch {
            made = false
            if writable { throw error }
        }
        if made {
            do { return try openFile(file) } catch { failure = error }
            for suffix in ["", "-wal", "-shm", "-journal"] { unlink(file + suffix) }
            do { return try openFile(file) } catch { failure = error }
            if writable, let failure {
                throw .io(path: file, operation: "open the index (\(failure.message))", errno: EIO)
            }
        }
        // Not writable here: a private index, built for this command only.
        do {
            let db = try SQLiteDatabase(path: ":memory:")
            let index = SiteIndex(db: db, path: ":memory:")
            try index.createSchema()
            return index
        } catch {
            throw .io(path: file, operation: "make an index in memory (\(error.message))", errno: ENOMEM)
        }
    }

    /// The tables whose rows say what the index knows (all but `meta`).
    static let tables = ["watermark", "apps", "search_blocks", "rejections", "decisions", "emails", "deliveries", "runs", "owed", "counts"]

    /// The rows of each table that one index holds and the other does not (0 when they agree).
    ///
    /// Every table has a key, so each row is looked up by it in the other index and compared
    /// column by column, both ways. `EXCEPT` sorted both sides whole into temporary b-trees
    /// instead: 13 minutes of `intake verify` at 1,000,000 applications.
    func differences(from other: String) throws(SQLiteError) -> [String: Int] {
        try db.exec("ATTACH DATABASE '\(other.replacingOccurrences(of: "'", with: "''"))' AS fresh")
        defer { try? db.exec("DETACH DATABASE fresh") }
        var out: [String: Int] = [:]
        for table in Self.tables {
            var columns: [(name: String, key: Int)] = []
            try db.each("SELECT name, pk FROM pragma_table_info(?)", [.text(table)]) { row in columns.append((row.text(0), row.int(1))) }
            let key = columns.filter { $0.key > 0 }.map { "b.\($0.name) = a.\($0.name)" }
            let same = columns.filter { $0.key == 0 }.map { "b.\($0.name) IS a.\($0.name)" }
            let match = (key + same).joined(separator: " AND ")
            var rows = 0
            for (from, to) in [("main", "fresh"), ("fresh", "main")] {
                rows += try db.int("SELECT count(*) FROM \(from).\(table) a WHERE NOT EXISTS (SELECT 1 FROM \(to).\(table) b WHERE \(match))") ?? 0
            }
            if rows > 0 { out[table] = rows }
        }
        return out
    }

    private static func openFile(_ file: String) throws(SQLiteError) -> SiteIndex {
        let madeNow = !FileSystem.exists(file)
        let db = try SQLiteDatabase(path: file)
        let index = SiteIndex(db: db, path: file, madeNow: madeNow)
        try db.exec("PRAGMA page_size=16384; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-2000; PRAGMA temp_store=MEMORY")
        let version = try? db.int("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'schema'")
        if version != schemaVersion {
            try index.createSchema()
        } else {
            // A damaged file fails here rather than in the middle of a command.
            _ = try db.int("SELECT count(*) FROM watermark")
        }
        return index
    }

    /// Drops everything and lays out the tables of this schema version, empty.
    func createSchema() throws(SQLiteError) {
        try db.exec("""
        DROP TABLE IF EXISTS meta; DROP TABLE IF EXISTS watermark; DROP TABLE IF EXISTS apps; DROP TABLE IF EXISTS search; DROP TABLE IF EXISTS search_blocks;
        DROP TABLE IF EXISTS rejections; DROP TABLE IF EXISTS decisions; DROP TABLE IF EXISTS emails;
        DROP TABLE IF EXISTS deliveries; DROP TABLE IF EXISTS runs; DROP TABLE IF EXISTS owed; DROP TABLE IF EXISTS counts;
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
        CREATE TABLE watermark (store TEXT PRIMARY KEY, offset INTEGER NOT NULL, seq INTEGER NOT NULL,
                                last_start INTEGER NOT NULL, last_hash INTEGER NOT NULL);
        CREATE TABLE apps (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, run TEXT, bundle TEXT, digest TEXT, at TEXT,
                           off INTEGER, len INTEGER, status TEXT NOT NULL DEFAULT 'pending', name TEXT, email TEXT, phone TEXT,
                           community TEXT, submitted_at TEXT, attachments INTEGER);
        CREATE TABLE search_blocks (block INTEGER PRIMARY KEY, hay BLOB NOT NULL);
        CREATE TABLE rejections (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, run TEXT, bundle TEXT, at TEXT, off INTEGER, len INTEGER,
                                 community TEXT);
        CREATE TABLE decisions (seq INTEGER PRIMARY KEY, app TEXT, decision TEXT, off INTEGER, len INTEGER, at TEXT);
        CREATE TABLE emails (seq INTEGER PRIMARY KEY, key TEXT, app TEXT, file TEXT, kind TEXT, off INTEGER, len INTEGER, community TEXT);
        CREATE TABLE deliveries (seq INTEGER PRIMARY KEY, file TEXT, outcome TEXT, at TEXT, off INTEGER, len INTEGER);
        CREATE TABLE runs (seq INTEGER PRIMARY KEY, finished TEXT, exit INTEGER, mail_off TEXT, off INTEGER, len INTEGER, run TEXT);
        CREATE TABLE owed (key TEXT PRIMARY KEY, kind TEXT NOT NULL, ord INTEGER NOT NULL, seq INTEGER NOT NULL, app TEXT, at TEXT NOT NULL);
        CREATE TABLE counts (what TEXT NOT NULL, community TEXT NOT NULL, status TEXT NOT NULL, n INTEGER NOT NULL,
                             PRIMARY KEY (what, community, status)) WITHOUT ROWID;
        \(Self.secondaryIndexes.joined(separator: ";\n"));
        \(Self.triggers.joined(separator: ";\n"));
        INSERT INTO meta VALUES ('schema', '\(Self.schemaVersion)');
        """)
    }

    /// The indexes beyond each table's own key: made with the tables, or after a bulk load.
    static let secondaryIndexes = [
        "CREATE INDEX apps_digest ON apps (digest)",
        "CREATE INDEX apps_bundle ON apps (run, bundle)",
        "CREATE INDEX apps_status ON apps (status, seq)",
        "CREATE INDEX apps_community ON apps (community, status, seq)",
        "CREATE INDEX rejections_bundle ON rejections (run, bundle)",
        "CREATE INDEX decisions_app ON decisions (app, seq)",
        "CREATE INDEX emails_key ON emails (key)",
        "CREATE INDEX emails_app ON emails (app)",
        "CREATE INDEX emails_file ON emails (file)",
        "CREATE INDEX deliveries_file ON deliveries (file)",
        // Only failures are ever asked for by outcome: 1 delivery in 100, not all 2 million.
        "CREATE INDEX deliveries_failed ON deliveries (at) WHERE outcome = 'failed'",
        "CREATE INDEX runs_run ON runs (run)",
        "CREATE INDEX owed_kind ON owed (kind, at)",
        "CREATE INDEX owed_app ON owed (app, ord)",
    ]

    /// What keeps `counts` (applications by community and status, deliveries by outcome) as
    /// rows come and statuses change, so that the metrics file and the digest read a few rows
    /// instead of counting a million (0.3 s at 1,000,000 applications, on every run).
    static let triggers = [
        """
        CREATE TRIGGER apps_counted AFTER INSERT ON apps BEGIN
          INSERT INTO counts VALUES ('apps', coalesce(NEW.community, ''), NEW.status, 1) ON CONFLICT DO UPDATE SET n = n + 1;
        END
        """,
        """
        CREATE TRIGGER apps_recounted AFTER UPDATE OF status ON apps WHEN OLD.status IS NOT NEW.status BEGIN
          UPDATE counts SET n = n - 1 WHERE what = 'apps' AND community = coalesce(OLD.community, '') AND status = OLD.status;
          DELETE FROM counts WHERE n = 0;
          INSERT INTO counts VALUES ('apps', coalesce(NEW.community, ''), NEW.status, 1) ON CONFLICT DO UPDATE SET n = n + 1;
        END
        """,
        """
        CREATE TRIGGER deliveries_counted AFTER INSERT ON deliveries BEGIN
          INSERT INTO counts VALUES ('deliveries', '', NEW.outcome, 1) ON CONFLICT DO UPDATE SET n = n + 1;
        END
        """,
    ]

    /// Whether no line of any store has been taken in yet.
    func isEmpty() throws(SQLiteError) -> Bool {
        try db.int("SELECT count(*) FROM watermark WHERE offset > 0") == 0
    }

    /// Starts taking every line in from nothing, in one transaction: the secondary indexes
    /// are dropped (the tables are empty) and made again by ``finishBulk()``, each sorted
    /// once, which costs less than keeping them row by row (measured: 3.8 s against 4.6 s
    /// at 100,000 applications).
    ///
    /// A file this open made leaves WAL for a rollback journal for the load: in WAL mode each
    /// page would be written twice (to the WAL, then by the checkpoint), 2.2 GB at 1,000,000
    /// applications; with a journal, pages that did not exist before are written once and
    /// need no journal (measured: 27 s against 31.6 s). A crash in the middle leaves a hot
    /// journal, and the next open rolls the file back to empty. ``commit()`` and
    /// ``rollback()`` go back to WAL. A file that was there (another schema, damaged, `intake
    /// reindex`) is loaded in WAL mode, as other connections may have it open.
    /// - Returns: false, with nothing started, when another process filled the index meanwhile.
    func beginBulk() throws(SQLiteError) -> Bool {
        if madeNow, path != ":memory:", !inTransaction {
            var mode = ""
            try db.each("PRAGMA journal_mode=DELETE") { row in mode = row.text(0) }
            leftWAL = mode == "delete"
        }
        try begin()
        guard try isEmpty() else {
            try commit()
            return false
        }
        // "CREATE INDEX name ..." and "CREATE TRIGGER name ...": the third word names it.
        for statement in Self.secondaryIndexes { try db.exec("DROP INDEX IF EXISTS \(statement.split(separator: " ")[2])") }
        for statement in Self.triggers { try db.exec("DROP TRIGGER IF EXISTS \(statement.split(separator: " ")[2])") }
        // Sorting the indexes spills to temporary files, not to memory, and a second thread
        // sorts beside the first (measured at 1,000,000 applications: a quarter less time).
        try db.exec("PRAGMA temp_store=FILE; PRAGMA threads=2")
        bulk = true
        return true
    }

    /// Makes the secondary indexes, then what the line-by-line path keeps as it goes: each
    /// application and the latest decision of each owed its message unless it has it, and
    /// nothing owed that has its message already. The caller commits.
    func finishBulk() throws(SQLiteError) {
        guard bulk else { return }
        try flushSearchBlock()
        bulk = false
        for statement in Self.secondaryIndexes { try db.exec(statement) }
        for statement in Self.triggers { try db.exec(statement) }
        try db.exec("""
            DELETE FROM counts;
            INSERT INTO counts SELECT 'apps', coalesce(community, ''), status, count(*) FROM apps GROUP BY 2, 3;
            INSERT INTO counts SELECT 'deliveries', '', outcome, count(*) FROM deliveries GROUP BY outcome;
            INSERT OR IGNORE INTO owed
              SELECT 'received:' || a.id, 'received', 0, a.seq, a.id, a.at FROM apps a
               WHERE NOT EXISTS (SELECT 1 FROM emails WHERE emails.key = 'received:' || a.id);
            INSERT OR IGNORE INTO owed
              SELECT 'decision:' || d.seq, d.decision, 2, d.seq, d.app, d.at FROM decisions d
               WHERE d.seq = (SELECT max(seq) FROM decisions WHERE app = d.app)
                 AND NOT EXISTS (SELECT 1 FROM emails WHERE emails.key = 'decision:' || d.seq);
            DELETE FROM owed WHERE kind = 'rejected' AND EXISTS (SELECT 1 FROM emails WHERE emails.key = owed.key);
            PRAGMA temp_store=MEMORY; PRAGMA threads=0;
            """)
    }

    /// Leaves a bulk load that failed (the caller rolls the transaction back).
    func abandonBulk() {
        bulk = false
        try? db.exec("PRAGMA temp_store=MEMORY; PRAGMA threads=0")
    }

    // MARK: Transactions

    /// Starts a write transaction unless one is open (the writer's rows wait for the stores' fsync).
    func begin() throws(SQLiteError) {
        guard !inTransaction else { return }
        try db.exec("BEGIN IMMEDIATE")
        inTransaction = true
    }

    func commit() throws(SQLiteError) {
        guard inTransaction else { return }
        try flushSearchBlock()
        try db.exec("COMMIT")
        inTransaction = false
        backToWAL()
    }

    func rollback() {
        searchBlock = nil
        guard inTransaction else { return }
        try? db.exec("ROLLBACK")
        inTransaction = false
        backToWAL()
    }

    /// After a bulk load: WAL again, so that readers never wait for a writer. Should it fail
    /// (another connection opened the file meanwhile), the next open sets it.
    private func backToWAL() {
        guard leftWAL else { return }
        leftWAL = false
        try? db.exec("PRAGMA journal_mode=WAL")
    }

    // MARK: Watermarks

    struct Watermark {
        var offset = 0
        var seq = 0
        var lastStart = 0
        var lastHash = 0
    }

    func watermark(_ store: String) throws(SQLiteError) -> Watermark {
        var mark = Watermark()
        try db.each("SELECT offset, seq, last_start, last_hash FROM watermark WHERE store = ?", [.text(store)]) { row in
            mark = Watermark(offset: row.int(0), seq: row.int(1), lastStart: row.int(2), lastHash: row.int(3))
        }
        return mark
    }

    func setWatermark(_ store: String, _ mark: Watermark) throws(SQLiteError) {
        try db.run("INSERT OR REPLACE INTO watermark VALUES (?, ?, ?, ?, ?)",
                   [.text(store), .int(mark.offset), .int(mark.seq), .int(mark.lastStart), .int(mark.lastHash)])
    }

    /// FNV-1a over a line's bytes: enough to notice that the line under a watermark changed.
    static func hash(_ bytes: some Collection<UInt8>) -> Int {
        var h: UInt64 = 0xcbf29ce484222325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        return Int(bitPattern: UInt(h & 0x7fff_ffff_ffff_ffff))
    }

    // MARK: Taking in records

    /// The statements run for every line taken in, prepared once and bound value by value:
    /// looked up by their text and bound from an array of values they cost a fifth of the
    /// writer's time in a bulk load.
    private enum Hot: Int, CaseIterable {
        case app, rejection, decision, status, email, delivery

        var sql: String {
            switch self {
            case .app: """
                INSERT OR IGNORE INTO apps (seq, id, run, bundle, digest, at, off, len, name, email, phone, community, submitted_at, attachments)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
            case .rejection: "INSERT OR IGNORE INTO rejections VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            case .decision: "INSERT OR IGNORE INTO decisions VALUES (?, ?, ?, ?, ?, ?)"
            case .status: "UPDATE apps SET status = ? WHERE id = ?"
            case .email: "INSERT OR IGNORE INTO emails VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            case .delivery: "INSERT OR IGNORE INTO deliveries VALUES (?, ?, ?, ?, ?, ?)"
            }
        }
    }
    private var hot = [SQLiteStatement?](repeating: nil, count: Hot.allCases.count)

    private func statement(_ which: Hot) throws(SQLiteError) -> SQLiteStatement {
        if let prepared = hot[which.rawValue] { return prepared }
        let prepared = try db.statement(which.sql)
        hot[which.rawValue] = prepared
        return prepared
    }

    func insert(_ app: ApplicationEntry, offset: Int, length: Int) throws(SQLiteError) {
        let s = try statement(.app)
        try s.bind(1, app.seq); try s.bind(2, app.id); try s.bind(3, app.run); try s.bind(4, app.bundle)
        try s.bind(5, app.digest); try s.bind(6, app.at); try s.bind(7, offset); try s.bind(8, length)
        try s.bind(9, app.name); try s.bind(10, app.email); try s.bind(11, app.phone); try s.bind(12, app.community)
        try s.bind(13, app.submittedAt); try s.bind(14, app.attachments)
        try s.execute()
        try addSearchKeys(seq: app.seq, app.keys)
        if bulk { return }  // owed: by finishBulk, for those without their message
        try owe("received:\(app.id)", kind: .received, order: 0, seq: app.seq, app: app.id, at: app.at)
    }

    /// Adds an application's keys to its search block (read from the index the first time it
    /// is added to, kept in memory until the commit); a seq the block has already is left.
    private func addSearchKeys(seq: Int, _ keys: SearchKeys) throws(SQLiteError) {
        let block = SearchBlocks.block(of: seq)
        if searchBlock?.block != block {
            try flushSearchBlock()
            var hay: [UInt8] = []
            if !bulk {
                try db.each("SELECT hay FROM search_blocks WHERE block = ?", [.int(block)]) { row in hay = row.blob(0) }
            }
            searchBlock = (block, hay, SearchBlocks.lastSeq(in: hay, block: block) ?? 0)
        }
        guard seq > searchBlock!.lastSeq else { return }
        SearchBlocks.append(seq: seq, keys, to: &searchBlock!.hay)
        searchBlock!.lastSeq = seq
    }

    /// Writes the search block being added to.
    func flushSearchBlock() throws(SQLiteError) {
        guard let pending = searchBlock else { return }
        searchBlock = nil
        try db.run("INSERT OR REPLACE INTO search_blocks VALUES (?, ?)", [.int(pending.block), .blob(pending.hay)])
    }

    func insert(_ r: RejectionEntry, offset: Int, length: Int) throws(SQLiteError) {
        let s = try statement(.rejection)
        try s.bind(1, r.seq); try s.bind(2, r.id); try s.bind(3, r.run); try s.bind(4, r.bundle)
        try s.bind(5, r.at); try s.bind(6, offset); try s.bind(7, length); try s.bind(8, r.community)
        try s.execute()
        // Only a rejection whose applicant can be written to is ever owed a message.
        if let email = r.applicantEmail, EmailAddress.isPlausible(email) {
            try owe("rejected:\(r.id)", kind: .rejected, order: 1, seq: r.seq, app: nil, at: r.at)
        }
    }

    func insert(_ d: DecisionEntry, offset: Int, length: Int) throws(SQLiteError) {
        let s = try statement(.decision)
        try s.bind(1, d.seq); try s.bind(2, d.id); try s.bind(3, d.decision.rawValue); try s.bind(4, offset)
        try s.bind(5, length); try s.bind(6, d.at)
        try s.execute()
        if bulk {
            // Taken in seq order from nothing, each decision is its application's latest so far.
            // Its message is owed by finishBulk, once the last is known.
            let status = try statement(.status)
            try status.bind(1, d.decision.rawValue); try status.bind(2, d.id)
            try status.execute()
            return
        }
        try db.run("""
            UPDATE apps SET status = (SELECT decision FROM decisions WHERE app = ?1 ORDER BY seq DESC LIMIT 1) WHERE id = ?1
            """, [.text(d.id)])
        // Only the latest decision of an application is announced: a corrected one is not owed any more.
        try db.run("DELETE FROM owed WHERE app = ? AND ord = 2 AND seq < ?", [.text(d.id), .int(d.seq)])
        let latest = try db.int("SELECT max(seq) FROM decisions WHERE app = ?", [.text(d.id)]) ?? d.seq
        if latest == d.seq {
            try owe("decision:\(d.seq)", kind: d.decision == .approved ? .approved : .declined, order: 2, seq: d.seq, app: d.id, at: d.at)
        }
    }

    func insert(_ e: EmailEntry, offset: Int, length: Int) throws(SQLiteError) {
        let key = e.key
        let s = try statement(.email)
        try s.bind(1, e.seq); try s.bind(2, key); try s.bind(3, e.id); try s.bind(4, e.file)
        try s.bind(5, e.kind.rawValue); try s.bind(6, offset); try s.bind(7, length); try s.bind(8, e.community)
        try s.execute()
        if bulk { return }  // owed: settled by finishBulk
        try db.run("DELETE FROM owed WHERE key = ?", [.text(key)])
    }

    func insert(_ d: DeliveryEntry, offset: Int, length: Int) throws(SQLiteError) {
        let s = try statement(.delivery)
        try s.bind(1, d.seq); try s.bind(2, d.file); try s.bind(3, d.outcome.rawValue); try s.bind(4, d.at)
        try s.bind(5, offset); try s.bind(6, length)
        try s.execute()
    }

    func insert(_ r: RunEntry, offset: Int, length: Int) throws(SQLiteError) {
        // Which message kinds the run had switched off: "*" for a line that does not say (an
        // older version's), read as "every kind was dealt with" when the run ended well.
        var off = "*"
        if let features = r.features {
            off = "," + MessageKind.allCases.filter { kind in
                features[kind == .digest ? "admin_digest" : "mail_\(kind.rawValue)"] == false
            }.map(\.rawValue).joined(separator: ",") + ","
        }
        try db.run("INSERT OR IGNORE INTO runs VALUES (?, ?, ?, ?, ?, ?, ?)",
                   [.int(r.seq), .text(r.finished), .int(r.exit), .text(off), .int(offset), .int(length), .text(r.run)])
    }

    private func owe(_ key: String, kind: MessageKind, order: Int, seq: Int, app: String?, at: String) throws(SQLiteError) {
        // In a bulk load the messages are taken in later, and settled by finishBulk.
        if !bulk, try db.int("SELECT 1 FROM emails WHERE key = ?", [.text(key)]) != nil { return }
        try db.run("INSERT OR IGNORE INTO owed VALUES (?, ?, ?, ?, ?, ?)",
                   [.text(key), .text(kind.rawValue), .int(order), .int(seq), .optional(app), .text(at)])
    }
}

/// The normalised forms search compares, kept in the index (``SearchBlocks``) so that a query
/// reads them instead of normalising every applicant again. Each is UTF-8 bytes, as the blocks
/// hold them: made into `String`s they cost a fifth of the scanner's time when catching up.
struct SearchKeys: Sendable {
    /// NFC, case- and width-folded, without whitespace (`KoreanText.searchKey`).
    var name: [UInt8]
    /// `name` with every Hangul syllable or consonant letter replaced by a private-use scalar
    /// standing for its initial consonant: a query's initials pattern, mapped the same way,
    /// is a substring of it wherever the pattern can match.
    var initials: [UInt8]
    var email: [UInt8]
    /// The phone's digits in Korean national form.
    var phone: [UInt8]?

    init(name: String, email: String, phone: String?) {
        let scalars = KoreanText.searchScalars(name)
        self.name = Self.utf8(scalars)
        self.initials = Self.utf8(scalars.lazy.map(Self.initialMark))
        self.email = Self.utf8(KoreanText.searchScalars(email))
        if let phone {
            let digits = PhoneDigits.nationalBytes(phone)
            self.phone = digits.isEmpty ? nil : digits
        } else {
            self.phone = nil
        }
    }

    static func initialMark(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        guard let initial = KoreanText.choseong(of: scalar) else { return scalar }
        return Unicode.Scalar(0xE000 + UInt32(initial.index))!
    }

    static func initialMark(_ element: InitialsPatternElement) -> Unicode.Scalar {
        switch element {
        case .scalar(let s): return initialMark(s)
        case .initial(let index): return Unicode.Scalar(0xE000 + UInt32(index))!
        }
    }

    /// The UTF-8 bytes of scalars.
    static func utf8(_ scalars: some Sequence<Unicode.Scalar>) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(scalars.underestimatedCount * 3)
        for scalar in scalars { UTF8.encode(scalar) { bytes.append($0) } }
        return bytes
    }
}
