import LoyaltyModels

/// The programme document as the API and the CLI exchange it: the programme itself
/// plus the base earning and redemption rules of the card templates.
public struct ProgramDocument: Sendable {
    public var config: ProgramConfig
    public var templateRules: TemplateRulesPatch

    /// Decodes a document, top level or under `program`, naming every invalid field.
    public static func decode(_ json: JSON) throws(ProgramConfig.Invalid) -> ProgramDocument {
        let document = json["program"] ?? json
        var problems: [(String, String)] = []
        var doc = ProgramDocument(config: ProgramConfig(), templateRules: TemplateRulesPatch())
        do { doc.config = try ProgramConfig.decode(document) } catch { problems += error.problems }
        do { doc.templateRules = try TemplateRulesPatch.decode(document) } catch { problems += error.problems }
        if !problems.isEmpty { throw ProgramConfig.Invalid(problems: problems) }
        return doc
    }

    /// `{version, program}` with the base rules of `template` (the partner's first active one).
    public static func render(version: Int64, config: ProgramConfig, template: CardTemplate?) -> JSON {
        guard case var .object(members) = config.encoded() else { return .null }
        if let template { members += TemplateRulesPatch.encoded(template.earning, template.redemption) }
        return .object([("version", .int(version)), ("program", .object(members))])
    }
}
