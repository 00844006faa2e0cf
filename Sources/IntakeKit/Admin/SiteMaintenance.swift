/// What `intake verify` and `intake reindex` do, for the commands: the stores checked line by
/// line against each other, the spool and the index; the index rebuilt from the stores.
public enum SiteMaintenance {
    /// Every store line checked, the references between stores, every message file in the
    /// spool, and the index against one built afresh.
    public static func verify(site: Site) throws(IntakeError) -> StoreVerifier.Summary {
        // Each message looked up by name (cur/ holds every message ever sent: its names are
        // not held in memory); only when one is not found under the names a relay gives is
        // the spool listed, once, for Maildir flags of other kinds.
        let spool = Spool(site: site)
        var listed: Set<String>?
        return try StoreVerifier.verify(site: site) { file in
            if spool.isPresent(file) { return true }
            if listed == nil { listed = (try? spool.names()) ?? [] }
            return listed?.contains(file) == true
        }
    }

    /// Throws the index away and takes every store line in again, under the site lock.
    /// - Returns: the number of store lines taken in.
    public static func reindex(site: Site, progress: SiteStores.Progress? = nil) throws(IntakeError) -> Int {
        try SiteIndexMaintenance.rebuild(site: site, progress: progress)
    }
}
