import Foundation

/// One community a site serves (`[communities.<id>]` in `intake.toml`): the name its
/// applicants read, the sender's name they see, and who gets its digest.
public struct Community: Sendable, Equatable {
    /// The slug manifests name it by (`"community": "jeju-photo-club"`).
    public var id: String
    /// Its name as mail shows it, in every locale without a name of its own.
    public var name: String
    /// Its name in a locale where it differs (`name_en = "Jeju Photo Club"`).
    public var names: [String: String] = [:]
    /// The From display name (`from_name`); nil: its name in the message's language.
    public var fromName: String?
    /// The From display name in a locale where it differs (`from_name_en`).
    public var fromNames: [String: String] = [:]
    /// Reply-To of its messages; nil: the site's `[mail] reply_to`.
    public var replyTo: String?
    /// Where its own digest goes (nil: it gets none; the site's digest still lists it).
    public var adminEmail: String?

    public init(id: String, name: String, names: [String: String] = [:], fromName: String? = nil,
                fromNames: [String: String] = [:], replyTo: String? = nil, adminEmail: String? = nil) {
        self.id = id
        self.name = name
        self.names = names
        self.fromName = fromName
        self.fromNames = fromNames
        self.replyTo = replyTo
        self.adminEmail = adminEmail
    }

    /// Its name in a locale.
    public func name(locale: String) -> String { names[locale] ?? name }

    /// The From display name in a locale: `from_name_<locale>`, `from_name`, else its name.
    public func fromName(locale: String) -> String { fromNames[locale] ?? fromName ?? name(locale: locale) }
}

/// Who a message is from, as the applicant (or an admin) sees it.
public struct MailIdentity: Sendable, Equatable {
    /// The community's id; nil for the site's own identity (a community the site does not know).
    public var community: String?
    /// The name every template gets as `site_name` and `community_name`.
    public var name: String
    public var fromName: String
    public var replyTo: String?
}

extension SiteConfig {
    /// Whether the site names its communities (`[communities.*]`); otherwise it is one community.
    public var hasCommunities: Bool { !communities.isEmpty }

    /// The configured community with this id.
    public func community(_ id: String) -> Community? { communities.first { $0.id == id } }

    /// The community ids a manifest may name; nil when any is taken (one community, and
    /// `[site] community` not set).
    public var knownCommunityIDs: [String]? {
        if hasCommunities { return communities.map(\.id) }
        return siteCommunity.map { [$0] }
    }

    /// Whether a manifest may name this community.
    public func accepts(community id: String) -> Bool { knownCommunityIDs?.contains(id) ?? true }

    /// The identity of a message about an application (or bundle) of this community, in a
    /// locale: the community's own where it is configured, else the site's (`[site] name`,
    /// `[mail] from_name`), as for a site of one community or a community it does not know.
    public func identity(community id: String?, locale: String) -> MailIdentity {
        if let id, let community = community(id) {
            return MailIdentity(community: id, name: community.name(locale: locale), fromName: community.fromName(locale: locale),
                                replyTo: community.replyTo ?? replyTo)
        }
        return MailIdentity(community: nil, name: siteName, fromName: mailFromName ?? siteName, replyTo: replyTo)
    }

    /// The communities with an admin of their own, who get their own digest.
    public var communitiesWithAdmins: [Community] { communities.filter { $0.adminEmail != nil } }
}
