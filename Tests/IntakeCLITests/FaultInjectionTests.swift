import Foundation
import IntakeKit
import Testing

/// An LD_PRELOAD shim, built by the test with the system's C compiler, that fails the Nth
/// write, fsync, rename or open made on a path under `FAULT_PREFIX` (the site), with
/// `FAULT_ERRNO` (an ENOSPC write first writes half, as a full disk does, and fails the rest).
/// With `FAULT_N=0` it only counts, into `FAULT_COUNT`. It takes itself out of the environment
/// so that the sendmail the real binary starts is not faulted. Paths under `FAULT_EXCLUDE`
/// (the SQLite index, swept on its own) are left alone, and so are opens by a name relative to
/// an open directory: only the read-ahead hint makes those (`FileSystem.adviseWillRead`), whose
/// failure changes nothing since the reader opens each file again by its path, and is swept.
enum FaultShim {
    static let source = #"""
    #define _GNU_SOURCE
    #include <dlfcn.h>
    #include <errno.h>
    #include <fcntl.h>
    #include <stdarg.h>
    #include <stdatomic.h>
    #include <stdio.h>
    #include <stdlib.h>
    #include <string.h>
    #include <unistd.h>

    static atomic_long counter;
    static long target;
    static int fail_errno = EIO;
    static char op[16];
    static char prefix[4096];
    static size_t prefix_len;
    static char exclude[4096];
    static size_t exclude_len;
    static char count_file[4096];
    static atomic_int short_fd = -1;

    __attribute__((constructor)) static void fault_init(void) {
        const char *v;
        if ((v = getenv("FAULT_OP"))) strncpy(op, v, sizeof op - 1);
        if ((v = getenv("FAULT_N"))) target = atol(v);
        if ((v = getenv("FAULT_ERRNO"))) fail_errno = atoi(v);
        if ((v = getenv("FAULT_PREFIX"))) { strncpy(prefix, v, sizeof prefix - 1); prefix_len = strlen(prefix); }
        if ((v = getenv("FAULT_EXCLUDE"))) { strncpy(exclude, v, sizeof exclude - 1); exclude_len = strlen(exclude); }
        if ((v = getenv("FAULT_COUNT"))) strncpy(count_file, v, sizeof count_file - 1);
        unsetenv("LD_PRELOAD");
    }

    __attribute__((destructor)) static void fault_done(void) {
        if (!count_file[0]) return;
        int (*real_open)(const char *, int, ...) = dlsym(RTLD_NEXT, "open");
        ssize_t (*real_write)(int, const void *, size_t) = dlsym(RTLD_NEXT, "write");
        int fd = real_open(count_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0) return;
        char text[32];
        int n = snprintf(text, sizeof text, "%ld\n", (long)atomic_load(&counter));
        real_write(fd, text, (size_t)n);
        close(fd);
    }

    static int under(const char *path) {
        if (!prefix_len || !path || strncmp(path, prefix, prefix_len) != 0) return 0;
        return !(exclude_len && strncmp(path, exclude, exclude_len) == 0);
    }

    static int fd_under(int fd) {
        char link[64], path[4096];
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(link, path, sizeof path - 1);
        if (n <= 0) return 0;
        path[n] = 0;
        return under(path);
    }

    /* Whether this call is the one to fail. */
    static int hit(const char *which) {
        if (strcmp(op, which) != 0) return 0;
        long n = atomic_fetch_add(&counter, 1) + 1;
        return target > 0 && n == target;
    }

    ssize_t write(int fd, const void *buf, size_t count) {
        static ssize_t (*real)(int, const void *, size_t);
        if (!real) real = dlsym(RTLD_NEXT, "write");
        if (fd > 2 && fd_under(fd)) {
            if (atomic_load(&short_fd) == fd) { atomic_store(&short_fd, -1); errno = ENOSPC; return -1; }
            if (hit("write")) {
                if (fail_errno == ENOSPC && count > 1) {
                    atomic_store(&short_fd, fd);
                    return real(fd, buf, count / 2);
                }
                errno = fail_errno;
                return -1;
            }
        }
        return real(fd, buf, count);
    }

    int fsync(int fd) {
        static int (*real)(int);
        if (!real) real = dlsym(RTLD_NEXT, "fsync");
        if (fd_under(fd) && hit("fsync")) { errno = fail_errno; return -1; }
        return real(fd);
    }

    int fdatasync(int fd) {
        static int (*real)(int);
        if (!real) real = dlsym(RTLD_NEXT, "fdatasync");
        if (fd_under(fd) && hit("fsync")) { errno = fail_errno; return -1; }
        return real(fd);
    }

    int rename(const char *from, const char *to) {
        static int (*real)(const char *, const char *);
        if (!real) real = dlsym(RTLD_NEXT, "rename");
        if (under(from) && hit("rename")) { errno = fail_errno; return -1; }
        return real(from, to);
    }

    #define OPEN_HOOK(name, ...)                                                     \
        mode_t mode = 0;                                                             \
        if (flags & (O_CREAT | O_TMPFILE)) {                                         \
            va_list ap; va_start(ap, flags); mode = va_arg(ap, mode_t); va_end(ap);  \
        }                                                                            \
        if (under(path) && hit("open")) { errno = fail_errno; return -1; }

    int open(const char *path, int flags, ...) {
        static int (*real)(const char *, int, ...);
        if (!real) real = dlsym(RTLD_NEXT, "open");
        OPEN_HOOK(open)
        return real(path, flags, mode);
    }

    int open64(const char *path, int flags, ...) {
        static int (*real)(const char *, int, ...);
        if (!real) real = dlsym(RTLD_NEXT, "open64");
        OPEN_HOOK(open64)
        return real(path, flags, mode);
    }

    int openat(int dirfd, const char *path, int flags, ...) {
        static int (*real)(int, const char *, int, ...);
        if (!real) real = dlsym(RTLD_NEXT, "openat");
        OPEN_HOOK(openat)
        return real(dirfd, path, flags, mode);
    }

    int openat64(int dirfd, const char *path, int flags, ...) {
        static int (*real)(int, const char *, int, ...);
        if (!real) real = dlsym(RTLD_NEXT, "openat64");
        OPEN_HOOK(openat64)
        return real(dirfd, path, flags, mode);
    }
    """#

    /// The built shim, once per test process.
    static let library: Result<String, ShimError> = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("intake-faultshim-\(UUID().uuidString)").path
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let c = (dir as NSString).appendingPathComponent("faultshim.c")
            let so = (dir as NSString).appendingPathComponent("faultshim.so")
            try source.write(toFile: c, atomically: true, encoding: .utf8)
            let cc = try RealToolsCLI.path("cc")
            let built = try runProcess(cc, ["-shared", "-fPIC", "-O1", "-Wall", "-o", so, c, "-ldl"])
            guard built.status == 0 else { return .failure(ShimError(description: "cc failed: \(built.stderr)")) }
            return .success(so)
        } catch {
            return .failure(ShimError(description: "\(error)"))
        }
    }()

    struct ShimError: Error, CustomStringConvertible { var description: String }
}

/// Where a tool is; under `CI=true` a missing tool fails the test instead of skipping it.
/// One injected fault and what became of it.
private struct FaultCase: CustomStringConvertible {
    var op: String
    var n: Int
    var errno: Int32
    var exit: Int32
    var violations: [String]
    var description: String { "\(op)#\(n) (\(FaultInjectionTests.name(errno))): exit \(exit)\(violations.isEmpty ? "" : ": " + violations.joined(separator: "; "))" }
}

@Suite("faults injected at every write, fsync, rename and open: nothing lost, nothing silent", .serialized)
struct FaultInjectionTests {
    static let ops = ["write", "fsync", "rename", "open"]

    /// The errors each call is failed with, in turn: what a failing disk, a full one and a
    /// file system remounted read-only give.
    static func errno(for op: String, _ i: Int) -> Int32 {
        switch op {
        case "write": return [EIO, ENOSPC, EROFS][i % 3]
        case "fsync": return [EIO, ENOSPC][i % 2]
        default: return [EIO, EROFS][i % 2]
        }
    }

    static func name(_ code: Int32) -> String {
        switch code {
        case EIO: return "EIO"
        case ENOSPC: return "ENOSPC"
        case EROFS: return "EROFS"
        default: return "errno \(code)"
        }
    }

    /// A site with two good bundles and one that is rejected, ready to run.
    private func templateSite() throws -> TestSite {
        let site = try TestSite()
        let inbox = site.path("data/inbox")
        try BundleWriter.typical("b1", seed: 71, applicant: "김민수", email: "minsu@example.kr").write(into: inbox)
        var emily = BundleWriter.typical("b2", seed: 72, applicant: "Emily Smith", email: "emily@example.com")
        emily.locale = "en"
        try emily.write(into: inbox)
        var bad = BundleWriter.typical("b3", seed: 73, applicant: "이영희", email: "younghee@example.kr")
        bad.files[0].data = SampleFiles.windowsExecutable()
        try bad.write(into: inbox)
        return site
    }

    /// A copy of a site in a new directory (the copy's root is what the shim watches).
    private func copy(_ site: TestSite) throws -> TestSite {
        let clone = try TestSite(initialize: false)
        try FileManager.default.removeItem(atPath: clone.root)
        let cp = try runProcess("/bin/cp", ["-a", site.root, clone.root])
        guard cp.status == 0 else { throw FaultShim.ShimError(description: "cp: \(cp.stderr)") }
        return clone
    }

    /// The shim's environment. By default it faults what intake itself reads and writes and
    /// leaves the index alone; `indexOnly` faults only the index (SQLite's own calls).
    private func faultEnvironment(_ site: TestSite, op: String, n: Int, errno: Int32, countFile: String? = nil,
                                  indexOnly: Bool = false) throws -> [String: String] {
        let shim = try FaultShim.library.get()
        let index = site.root + "/data/index"  // the folder too: SQLite opens and syncs it
        var env = ["LD_PRELOAD": shim, "FAULT_OP": op, "FAULT_N": "\(n)", "FAULT_ERRNO": "\(errno)",
                   "FAULT_PREFIX": indexOnly ? index : site.root + "/"]
        if !indexOnly { env["FAULT_EXCLUDE"] = index }
        if let countFile { env["FAULT_COUNT"] = countFile }
        return env
    }

    private func count(_ op: String, in site: TestSite, _ command: String, _ args: [String], indexOnly: Bool = false) throws -> Int {
        let probe = try copy(site)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("intake-faultcount-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        let result = try probe.intake(command, arguments: args, environment: try faultEnvironment(probe, op: op, n: 0, errno: EIO, countFile: file, indexOnly: indexOnly))
        #expect(result.status == 0, "\(command) without a fault: \(result.stderr)")
        return Int(try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    /// Up to `limit` call numbers spread over 1...total, always the first and the last.
    private func sample(_ total: Int, limit: Int) -> [Int] {
        guard total > limit else { return Array(stride(from: 1, through: total, by: 1)) }
        var picks = Set([1, total])
        let step = Double(total - 1) / Double(limit - 1)
        for i in 0..<limit { picks.insert(1 + Int((Double(i) * step).rounded())) }
        return picks.sorted()
    }

    /// The decoded text parts of spooled messages, through Python's email parser.
    private func texts(_ files: [String]) throws -> String {
        guard !files.isEmpty else { return "" }
        let script = """
        import email, email.policy, sys
        for path in sys.argv[1:]:
            m = email.message_from_binary_file(open(path, 'rb'), policy=email.policy.default)
            print(m['Message-ID'])
            for part in m.walk():
                if part.get_content_maintype() == 'text':
                    print(part.get_content())
        """
        return try runProcess(try RealToolsCLI.path("python3"), ["-c", script] + files).stdout
    }

    /// Everything the contract promises of a site after a healthy run.
    private func runViolations(_ site: TestSite, inputs: [String: [String]]) throws -> [String] {
        var v: [String] = []
        if !site.list("data/inbox").isEmpty { v.append("inbox holds \(site.list("data/inbox"))") }
        if !site.list("data/work").isEmpty { v.append("work holds \(site.list("data/work"))") }
        let found = try site.inputFileDigests()
        for (digest, places) in inputs {
            let now = found[digest] ?? []
            if now.count != 1 { v.append("input \(places[0]) is now at \(now)") }
        }
        let apps = try site.lines("applications.jsonl"), rejections = try site.lines("rejections.jsonl")
        let bundles = (apps + rejections).map { $0["bundle"] as? String ?? "" }
        if bundles.sorted() != ["b1", "b2", "b3"] { v.append("bundles recorded: \(bundles.sorted())") }
        let emails = try site.lines("emails.jsonl")
        var keys: [String] = []
        for e in emails {
            let kind = e["kind"] as? String ?? ""
            keys.append(kind + ":" + ((e["id"] ?? e["rejection"] ?? e["run"]) as? String ?? ""))
        }
        if Set(keys).count != keys.count { v.append("duplicate messages: \(keys.sorted())") }
        let applicantMail = keys.filter { !$0.hasPrefix("digest:") }.sorted()
        let wanted = (apps.map { "received:\($0["id"] as! String)" } + rejections.map { "rejected:\($0["id"] as! String)" }).sorted()
        if applicantMail != wanted { v.append("applicant messages \(applicantMail), owed \(wanted)") }
        let spooled = site.list("data/outbox/new") + site.list("data/outbox/cur") + site.list("data/outbox/failed")
        let recordedFiles = emails.map { $0["file"] as! String }
        if spooled.sorted() != recordedFiles.sorted() { v.append("spool \(spooled.sorted()) but emails.jsonl \(recordedFiles.sorted())") }
        if !site.list("data/outbox/tmp").isEmpty { v.append("outbox/tmp holds \(site.list("data/outbox/tmp"))") }
        let digests = site.list("data/outbox/new").filter { $0.hasPrefix("digest.") }.map { site.path("data/outbox/new/\($0)") }
        let digestText = try texts(digests)
        for r in rejections where !digestText.contains(r["id"] as! String) { v.append("rejection \(r["id"]!) is in no digest") }
        return v
    }

    @Test(.timeLimit(.minutes(5)))
    func aFaultAnywhereInARunIsSaidAndARerunFinishesTheWork() throws {
        let template = try templateSite()
        let inputs = try template.inputFileDigests()
        var cases: [FaultCase] = []
        var table: [String] = []
        for op in Self.ops {
            let total = try count(op, in: template, "run", [])
            #expect(total > 0, "the shim saw no \(op) calls of a run")
            var exits: [Int32: Int] = [:]
            for (i, n) in sample(total, limit: 24).enumerated() {
                let errno = Self.errno(for: op, i)
                let site = try copy(template)
                let faulted = try site.intake("run", arguments: [], environment: try faultEnvironment(site, op: op, n: n, errno: errno))
                var violations: [String] = []
                if faulted.status != 74 { violations.append("faulted run exited \(faulted.status), not 74: \(faulted.stderr.prefix(300))") }
                if faulted.status == 74, errno == ENOSPC, op == "write", !faulted.stderr.contains("No space left on device") {
                    violations.append("a full disk was not said as such: \(faulted.stderr.prefix(300))")
                }
                let healthy = try site.intake("run")
                if healthy.status != 0 { violations.append("healthy rerun exited \(healthy.status): \(healthy.stderr.prefix(300))") }
                violations += try runViolations(site, inputs: inputs)
                exits[faulted.status, default: 0] += 1
                cases.append(FaultCase(op: op, n: n, errno: errno, exit: faulted.status, violations: violations))
            }
            let bad = cases.filter { $0.op == op && !$0.violations.isEmpty }.count
            table.append("run     \(op.padding(toLength: 7, withPad: " ", startingAt: 0)) calls \(total), swept \(exits.values.reduce(0, +)), exits \(exits.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: " ")), violations \(bad)")
        }
        print(table.joined(separator: "\n"))
        let failures = cases.filter { !$0.violations.isEmpty }
        #expect(failures.isEmpty, "\(failures.map(\.description).joined(separator: "\n"))")
    }

    /// The index is SQLite's to write: a failure SQLite reports is said (exit 74); one it
    /// handles itself (a checkpoint it retries later) may leave the run at 0. Either way
    /// nothing is lost, the next run finishes the work, and its answers are the stores'.
    @Test(.timeLimit(.minutes(5)))
    func aFaultInTheIndexLosesNothingAndTheNextRunHeals() throws {
        let template = try templateSite()
        let inputs = try template.inputFileDigests()
        var cases: [FaultCase] = []
        var table: [String] = []
        for op in Self.ops {
            let total = try count(op, in: template, "run", [], indexOnly: true)
            var exits: [Int32: Int] = [:]
            for (i, n) in sample(total, limit: 12).enumerated() {
                let errno = Self.errno(for: op, i)
                let site = try copy(template)
                let faulted = try site.intake("run", arguments: [], environment: try faultEnvironment(site, op: op, n: n, errno: errno, indexOnly: true))
                var violations: [String] = []
                if faulted.status != 74 && faulted.status != 0 { violations.append("faulted run exited \(faulted.status): \(faulted.stderr.prefix(300))") }
                let healthy = try site.intake("run")
                if healthy.status != 0 { violations.append("healthy rerun exited \(healthy.status): \(healthy.stderr.prefix(300))") }
                violations += try runViolations(site, inputs: inputs)
                let verify = try site.intake("verify")
                if verify.status != 0 { violations.append("verify after the rerun exited \(verify.status): \(verify.stdout.prefix(300))") }
                exits[faulted.status, default: 0] += 1
                cases.append(FaultCase(op: op, n: n, errno: errno, exit: faulted.status, violations: violations))
            }
            let bad = cases.filter { $0.op == op && !$0.violations.isEmpty }.count
            table.append("index   \(op.padding(toLength: 7, withPad: " ", startingAt: 0)) calls \(total), swept \(exits.values.reduce(0, +)), exits \(exits.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: " ")), violations \(bad)")
        }
        print(table.joined(separator: "\n"))
        let failures = cases.filter { !$0.violations.isEmpty }
        #expect(failures.isEmpty, "\(failures.map(\.description).joined(separator: "\n"))")
    }

    @Test(.timeLimit(.minutes(5)))
    func aFaultAnywhereInADeliverNeverSendsTwiceNorLosesAMessage() throws {
        let template = try templateSite()
        #expect(try template.intake("run").status == 0)
        let messages = try template.lines("emails.jsonl").map { ($0["file"] as! String, $0["message_id"] as! String) }
        let sink = FileManager.default.temporaryDirectory.appendingPathComponent("intake-sink-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: sink, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: sink) }
        let sendmail = (sink as NSString).appendingPathComponent("sendmail")
        try "#!/bin/sh\ncat > \"$SINK/msg.$$.$(date +%s%N)\"\nexit 0\n".write(toFile: sendmail, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: sendmail)
        var cases: [FaultCase] = []
        var table: [String] = []
        for op in Self.ops {
            let total = try count(op, in: template, "deliver", ["--sendmail", sendmail])
            var exits: [Int32: Int] = [:]
            for (i, n) in sample(total, limit: 30).enumerated() {
                let errno = Self.errno(for: op, i)
                let site = try copy(template)
                let box = (sink as NSString).appendingPathComponent("\(op)-\(n)")
                try FileManager.default.createDirectory(atPath: box, withIntermediateDirectories: true)
                var env = try faultEnvironment(site, op: op, n: n, errno: errno)
                env["SINK"] = box
                let faulted = try site.intake("deliver", arguments: ["--sendmail", sendmail], environment: env)
                var violations: [String] = []
                if faulted.status != 74 { violations.append("faulted deliver exited \(faulted.status), not 74: \(faulted.stderr.prefix(300))") }
                let healthy = try site.intake("deliver", arguments: ["--sendmail", sendmail], environment: ["SINK": box])
                if healthy.status != 0 && healthy.status != 74 { violations.append("healthy deliver exited \(healthy.status): \(healthy.stderr.prefix(300))") }
                let again = try site.intake("deliver", arguments: ["--sendmail", sendmail], environment: ["SINK": box])
                if again.status != 0 || !again.stdout.contains("0 delivered") { violations.append("a third deliver did something: \(again.stdout)") }
                // Each message: handed over at most once; delivered ones in cur/ and recorded,
                // the rest in failed/ as in doubt, and none left queued.
                let handed = try texts(try FileManager.default.contentsOfDirectory(atPath: box).map { (box as NSString).appendingPathComponent($0) })
                let deliveries = try site.lines("deliveries.jsonl")
                for (file, messageID) in messages {
                    let times = handed.components(separatedBy: "<\(messageID)>").count - 1
                    if times > 1 { violations.append("\(file) handed over \(times) times") }
                    let outcomes = deliveries.filter { $0["file"] as? String == file }.map { $0["outcome"] as! String }
                    if site.list("data/outbox/cur").contains(file) {
                        if times != 1 || outcomes.last != "delivered" { violations.append("\(file) in cur/ handed \(times) times, outcomes \(outcomes)") }
                    } else if site.list("data/outbox/failed").contains(file) {
                        if outcomes.last != "failed" { violations.append("\(file) in failed/ with outcomes \(outcomes)") }
                    } else {
                        violations.append("\(file) is in neither cur/ nor failed/ (new: \(site.list("data/outbox/new")))")
                    }
                }
                if !site.list("data/outbox/tmp").isEmpty { violations.append("outbox/tmp holds \(site.list("data/outbox/tmp"))") }
                exits[faulted.status, default: 0] += 1
                cases.append(FaultCase(op: op, n: n, errno: errno, exit: faulted.status, violations: violations))
            }
            let bad = cases.filter { $0.op == op && !$0.violations.isEmpty }.count
            table.append("deliver \(op.padding(toLength: 7, withPad: " ", startingAt: 0)) calls \(total), swept \(exits.values.reduce(0, +)), exits \(exits.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: " ")), violations \(bad)")
        }
        print(table.joined(separator: "\n"))
        let failures = cases.filter { !$0.violations.isEmpty }
        #expect(failures.isEmpty, "\(failures.map(\.description).joined(separator: "\n"))")
    }
}
