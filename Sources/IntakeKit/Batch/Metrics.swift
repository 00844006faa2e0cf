import Foundation

/// The metrics file for the Prometheus node_exporter textfile collector.
///
/// Written to a temporary file and renamed, so the collector never reads half a file.
public enum Metrics {
    /// - Parameter config: names the communities whose counts are written even while they have
    ///   no application (a site of one community without `[site] community` has only the ones
    ///   its applications name).
    public static func render(stores: SiteStores, lastRun: RunRecord?, config: SiteConfig = SiteConfig()) -> String {
        var lines: [String] = []
        func metric(_ name: String, _ help: String, _ type: String, _ samples: [(labels: String, value: String)]) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) \(type)")
            for sample in samples { lines.append("\(name)\(sample.labels) \(sample.value)") }
        }
        func seconds(_ text: String?) -> String {
            guard let text, let date = Timestamp.parse(text) else { return "0" }
            return String(format: "%.0f", date.timeIntervalSince1970)
        }
        // The run being finished may not be in the store yet.
        let lastSuccess = lastRun?.exit == 0 ? lastRun?.finished : (try? stores.lastRun(successful: true))??.finished
        metric("intake_last_run_timestamp_seconds", "When the last batch run finished.", "gauge", [("", seconds(lastRun?.finished))])
        metric("intake_last_success_timestamp_seconds", "When the last batch run that exited 0 finished.", "gauge", [("", seconds(lastSuccess))])
        metric("intake_last_run_exit_code", "Exit status of the last batch run (sysexits.h).", "gauge", [("", "\(lastRun?.exit ?? 0)")])
        metric("intake_run_duration_seconds", "Wall time of the last batch run.", "gauge", [("", String(format: "%.3f", lastRun?.seconds ?? 0))])
        let c = lastRun?.counts ?? RunCounts()
        metric("intake_run_bundles", "Bundles handled by the last run, by outcome.", "gauge", [
            ("{outcome=\"accepted\"}", "\(c.accepted)"), ("{outcome=\"rejected\"}", "\(c.rejected - c.duplicates)"),
            ("{outcome=\"duplicate\"}", "\(c.duplicates)"), ("{outcome=\"waiting\"}", "\(c.skippedUnsettled)"),
        ])
        metric("intake_run_bytes", "Bytes read and hashed by the last run.", "gauge", [("", "\(c.bytes)")])
        // Per application: one series per community (the configured ones first, then any other
        // the applications name); summing over `community` gives the site's.
        let counts = (try? stores.countsByCommunity()) ?? [:]
        var communities = config.knownCommunityIDs ?? []
        for other in counts.keys.sorted() where !communities.contains(other) { communities.append(other) }
        metric("intake_applications_total", "Applications accepted since the site began, by community.", "counter", communities.map { community in
            ("{community=\"\(label(community))\"}", "\(counts[community]?.values.reduce(0, +) ?? 0)")
        })
        metric("intake_rejections_total", "Bundles rejected since the site began.", "counter", [("", "\((try? stores.count(of: .rejections)) ?? 0)")])
        metric("intake_applications", "Applications by community and status now.", "gauge", communities.flatMap { community in
            ApplicationStatus.allCases.map { status in
                ("{community=\"\(label(community))\",status=\"\(status.rawValue)\"}", "\(counts[community]?[status] ?? 0)")
            }
        })
        metric("intake_messages_spooled_total", "Messages put into the outbox spool.", "counter", [("", "\((try? stores.count(of: .emails)) ?? 0)")])
        let delivered = (try? stores.count(of: .deliveries(.delivered))) ?? 0
        let failed = (try? stores.count(of: .deliveries(.failed))) ?? 0
        let deferred = (try? stores.count(of: .deliveries(.deferred))) ?? 0
        metric("intake_messages_delivered_total", "Messages handed to the MTA.", "counter", [("", "\(delivered)")])
        metric("intake_messages_failed_total", "Messages the MTA refused for good (moved to outbox/failed).", "counter", [("", "\(failed)")])
        metric("intake_messages_deferred_total", "Hand-overs the MTA asked to retry later.", "counter", [("", "\(deferred)")])
        return lines.joined(separator: "\n") + "\n"
    }

    /// A label value as the text format wants it: backslash, quote and line feed escaped.
    static func label(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    /// Writes the metrics file.
    /// - Throws: when it cannot be written: stale metrics would tell the monitoring all is
    ///   well, so the caller says it and exits 74.
    public static func write(site: Site, stores: SiteStores, lastRun: RunRecord?, config: SiteConfig = SiteConfig()) throws(IntakeError) {
        let text = render(stores: stores, lastRun: lastRun ?? (try? stores.lastRun()) ?? nil, config: config)
        try FileSystem.writeAtomically(site.metricsFile, Array(text.utf8), mode: 0o644)
    }
}
