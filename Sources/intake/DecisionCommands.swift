import ArgumentParser
import Foundation
import IntakeKit

struct ApproveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve",
        abstract: "Approve applications; the next run sends each applicant a welcome message.",
        discussion: "Example: intake approve A000042 43 --by 김관리 --note \"첫 모임은 12월 6일입니다\""
    )

    @OptionGroup var siteOptions: SiteOptions

    @Argument(help: "Application ids (A000042 or 42).")
    var ids: [String]

    @Option(name: .long, help: "Who decides (recorded in decisions.jsonl).")
    var by: String

    @Option(name: .long, help: "A note for the applicant, shown in the welcome message.")
    var note: String?

    @Option(name: .long, help: ArgumentHelp("Refuse (exit 65, nothing recorded) unless every id is an application to this community.", valueName: "id"))
    var community: String?

    func validate() throws {
        if ids.isEmpty { throw ValidationError("Name at least one application id, e.g. intake approve A000042 --by 김관리.") }
        try validateBy(by)
    }

    func run() async throws {
        try await reportingErrors {
            // The config is read only to check a --community filter: deciding needs none.
            let site = siteOptions.site
            let config = community == nil ? SiteConfig() : try siteOptions.load().1
            let results = try Decisions.decide(.approved, ids: ids, by: by, note: note, community: community, config: config, site: site)
            report(results)
        }
    }
}

struct DeclineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decline",
        abstract: "Decline applications with a reason; the next run tells each applicant why.",
        discussion: "Example: intake decline A000042 --by 김관리 --reason \"이번 기수 정원이 찼습니다\""
    )

    @OptionGroup var siteOptions: SiteOptions

    @Argument(help: "Application ids (A000042 or 42).")
    var ids: [String]

    @Option(name: .long, help: "Who decides (recorded in decisions.jsonl).")
    var by: String

    @Option(name: .long, help: "Why; the applicant reads this in the declined message.")
    var reason: String

    @Option(name: .long, help: ArgumentHelp("Refuse (exit 65, nothing recorded) unless every id is an application to this community.", valueName: "id"))
    var community: String?

    func validate() throws {
        if ids.isEmpty { throw ValidationError("Name at least one application id, e.g. intake decline A000042 --by 김관리 --reason \"...\".") }
        try validateBy(by)
        if reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw ValidationError("--reason must say why; the applicant reads it.")
        }
    }

    func run() async throws {
        try await reportingErrors {
            let site = siteOptions.site
            let config = community == nil ? SiteConfig() : try siteOptions.load().1
            let results = try Decisions.decide(.declined, ids: ids, by: by, reason: reason, community: community, config: config, site: site)
            report(results)
        }
    }
}

private func validateBy(_ by: String) throws {
    if by.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
        throw ValidationError("--by must name who decides, e.g. --by 김관리; it is recorded with the decision.")
    }
}

private func report(_ results: [DecisionResult]) {
    for result in results {
        switch result {
        case .recorded(let record):
            Terminal.out("\(record.id) \(record.decision.rawValue) by \(record.by) (decisions.jsonl line \(record.seq)); the next `intake run` spools the message")
        case .unchanged(let id, let status):
            Terminal.out("\(id) is already \(status.rawValue); nothing recorded")
        }
    }
}
