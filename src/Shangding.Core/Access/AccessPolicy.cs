using Shangding.Core.Catalog;

namespace Shangding.Core.Access;

/// <summary>What a read asks for about one subject.</summary>
public enum AccessWhat
{
    /// <summary>The Shangding score level only.</summary>
    Level,

    /// <summary>Score and level.</summary>
    Score,

    /// <summary>The credit report: records (filtered per record by <see cref="AccessPolicy.MayReadRecord"/>), score and level.</summary>
    Report,

    /// <summary>Records of a category (filtered per record).</summary>
    Records,

    /// <summary>Yes or no for one benefit.</summary>
    BenefitCheck,

    /// <summary>Everything held about the subject, as a file (PIPL access right): the subject only.</summary>
    Export,

    /// <summary>Who looked at the subject (query log entries about them).</summary>
    QueryHistory,
}

/// <summary>The scopes a citizen can grant (003 §18), narrowest first.</summary>
public static class GrantScopes
{
    public const string Level = "level";
    public const string Score = "score";
    public const string Report = "report";
    public const string Benefit = "benefit";

    public static IReadOnlyList<string> All { get; } = [Level, Score, Report, Benefit];
}

/// <summary>Who asks. <see cref="Role"/> is null for an anonymous visitor of the public pages.</summary>
/// <param name="AccountId">The signed-in account or the account of the API credential.</param>
/// <param name="UnitCode">A clerk's reporting unit, or a government querier's body (a unit code of the catalogue).</param>
/// <param name="SubjectId">The credit subject a citizen's account is linked to (after real-name verification).</param>
public sealed record AccessActor(string? Role, long? AccountId = null, string? UnitCode = null, long? SubjectId = null, string? Name = null)
{
    public static AccessActor Anonymous { get; } = new(null, Name: "public");
}

/// <summary>A grant as the policy needs to see it.</summary>
public sealed record GrantFacts(long Id, long SubjectId, long RecipientAccountId, string Scope, string? Benefit, DateTime ExpiresAt, DateTime? RevokedAt);

/// <summary>What is asked: about whom, what, why, under which grant or official letter.</summary>
/// <param name="SubjectId">The subject; null when no subject matched what the querier sent (decided like any other refusal).</param>
/// <param name="Benefit">The benefit code of a <see cref="AccessWhat.BenefitCheck"/>.</param>
public sealed record AccessRequest(
    long? SubjectId,
    AccessWhat What,
    string? Purpose = null,
    string? LetterNumber = null,
    GrantFacts? Grant = null,
    string? Benefit = null);

/// <summary>One stored record as the policy needs to see it.</summary>
/// <param name="SubjectKind">Whom the category is about: the 5-year limit of 003 §20 is for bad information about persons.</param>
/// <param name="Retired">Listed in <c>retired_records</c>: past the 5-year retention of bad information about a person (003 §20).</param>
public sealed record RecordFacts(long SubjectId, string UnitCode, InfoClass InfoClass, IReadOnlyList<string> CQueryBodies,
    Polarity Polarity, Severity? Severity, string Status, DateOnly? ActDate, DateOnly? PublicationEnd,
    SubjectKind SubjectKind = SubjectKind.Person, bool Retired = false);

/// <summary>The kinds of remedy case (disputes, repair applications, self-reports) staff read about a subject; also the query-log scope of such a read.</summary>
public static class CaseKinds
{
    public const string Dispute = "dispute";
    public const string Repair = "repair";
    public const string SelfReport = "self-report";

    /// <summary>The query-log scope of reading a case's evidence file.</summary>
    public const string EvidenceScope = "evidence";
}

/// <summary>
/// One remedy case as the policy needs to see it: whose, handled by which unit, filed by which account;
/// <paramref name="Evidence"/> when one of its evidence files is asked for rather than the case.
/// </summary>
public sealed record CaseFacts(string Kind, long Id, long SubjectId, string UnitCode, long? ApplicantAccountId, bool Evidence = false)
{
    public static CaseFacts Of(Data.Dispute d) => new(CaseKinds.Dispute, d.Id, d.SubjectId, d.UnitCode, d.ApplicantAccountId);

    public static CaseFacts Of(Data.RepairApplication a) => new(CaseKinds.Repair, a.Id, a.SubjectId, a.UnitCode, a.ApplicantAccountId);

    public static CaseFacts Of(Data.SelfReport r) => new(CaseKinds.SelfReport, r.Id, r.SubjectId, r.UnitCode, r.AccountId);
}

/// <summary>The answer: allowed, or refused with a reason code (never data about the subject).</summary>
public sealed record AccessDecision(bool Allowed, string? Reason)
{
    public static AccessDecision Allow { get; } = new(true, null);

    public static AccessDecision Refuse(string reason) => new(false, reason);
}

/// <summary>Reason codes of refusals, as stored in the query log.</summary>
public static class RefusalReasons
{
    public const string NotSignedIn = "not-signed-in";
    public const string RoleNotAllowed = "role-not-allowed";
    public const string NotOwnSubject = "not-own-subject";
    public const string NoSubject = "no-subject";
    public const string OtherUnit = "other-unit";
    public const string LetterRequired = "letter-required";
    public const string PurposeRequired = "purpose-required";
    public const string GrantRequired = "grant-required";
    public const string GrantOtherSubject = "grant-other-subject";
    public const string GrantOtherRecipient = "grant-other-recipient";
    public const string GrantExpired = "grant-expired";
    public const string GrantRevoked = "grant-revoked";
    public const string BeyondScope = "beyond-scope";
    public const string ClassNotAllowed = "class-not-allowed";
    public const string NotPublished = "not-published";

    /// <summary>
    /// Per record only (<see cref="AccessPolicy.MayReadRecord"/>): the record is no longer in use —
    /// withdrawn, repaired, expired, retired, or a bad record past its publication period or 5 years.
    /// Such records are left out of an answer as if they did not exist; this never becomes the
    /// refusal of a query.
    /// </summary>
    public const string NotInUse = "not-in-use";
}

/// <summary>
/// The one access policy (seed 003 §15–18, SPEC §6–7, §11). A pure function of who asks and what is
/// asked; every read path of subject data — web pages, API, CLI exports — calls it, and logs the
/// outcome in the query log. The rules:
/// <list type="bullet">
/// <item>Public (anonymous): records of class A only, in force and within their publication period;
/// minor bad records are never published (SPEC §9).</item>
/// <item>Citizen, or an organisation signed in as itself: everything about their own subject (003 §15 last paragraph, §18); nothing about others.</item>
/// <item>Unit clerk: records their own unit furnished, nothing else (003 §11: a unit corrects its own records).</item>
/// <item>Government querier: an official letter number and a purpose (003 §18); records and report of
/// classes A and B, class C only if their body is named in the category's <c>c_query_bodies</c>.</item>
/// <item>Third party: a grant of the subject (003 §18) for this organisation, neither expired nor
/// revoked, and only within its scope: level ⊂ score ⊂ report; a benefit grant allows one benefit
/// check only. A report under a grant shows classes A and B; class C stays with the named bodies.</item>
/// <item>Operator (credit centre): records, report, level and score for a stated duty (disputes,
/// repair, corrections — SPEC §1), always logged; query history of a subject for supervision.</item>
/// <item>Auditor: the query log (who looked at whom) — no credit data.</item>
/// </list>
/// Records shown to anyone but their subject and the unit that furnished them must also be in use
/// (<see cref="IsInUse"/>): in force, not retired, and a bad record within its publication period and
/// under <paramref name="badRecordMaxYears"/> years — the records the score counts.
/// </summary>
/// <param name="publicationMonths">Publication period of a bad record by severity, from the act (the score model's <c>publication_months</c>).</param>
/// <param name="badRecordMaxYears">Bad information is not used after this many years (003 §20; the score model's <c>bad_record_max_years</c>).</param>
public sealed class AccessPolicy(IReadOnlyDictionary<Severity, int> publicationMonths, int badRecordMaxYears = 5)
{
    /// <summary>Decides whether the request as a whole is allowed.</summary>
    public AccessDecision Decide(AccessActor actor, AccessRequest request, DateTime nowUtc)
    {
        if (request.SubjectId is null)
        {
            return AccessDecision.Refuse(RefusalReasons.NoSubject);
        }

        switch (actor.Role)
        {
            case null:
                return request.What == AccessWhat.Records ? AccessDecision.Allow : AccessDecision.Refuse(RefusalReasons.NotSignedIn);

            case Roles.Citizen or Roles.Organisation:
                return actor.SubjectId is { } own && own == request.SubjectId
                    ? AccessDecision.Allow
                    : AccessDecision.Refuse(RefusalReasons.NotOwnSubject);

            case Roles.UnitClerk:
                if (string.IsNullOrEmpty(actor.UnitCode))
                {
                    return AccessDecision.Refuse(RefusalReasons.RoleNotAllowed);
                }

                return request.What == AccessWhat.Records ? AccessDecision.Allow : AccessDecision.Refuse(RefusalReasons.RoleNotAllowed);

            case Roles.GovernmentQuerier:
                if (request.What is not (AccessWhat.Records or AccessWhat.Report))
                {
                    return AccessDecision.Refuse(RefusalReasons.BeyondScope);
                }

                if (string.IsNullOrWhiteSpace(request.LetterNumber))
                {
                    return AccessDecision.Refuse(RefusalReasons.LetterRequired);
                }

                return string.IsNullOrWhiteSpace(request.Purpose) ? AccessDecision.Refuse(RefusalReasons.PurposeRequired) : AccessDecision.Allow;

            case Roles.ThirdParty:
                return DecideGrant(actor, request, nowUtc);

            case Roles.Operator:
                if (request.What is AccessWhat.Export or AccessWhat.BenefitCheck)
                {
                    return AccessDecision.Refuse(RefusalReasons.RoleNotAllowed);
                }

                return string.IsNullOrWhiteSpace(request.Purpose) ? AccessDecision.Refuse(RefusalReasons.PurposeRequired) : AccessDecision.Allow;

            case Roles.Auditor:
                return request.What == AccessWhat.QueryHistory ? AccessDecision.Allow : AccessDecision.Refuse(RefusalReasons.RoleNotAllowed);

            default:
                return AccessDecision.Refuse(RefusalReasons.RoleNotAllowed);
        }
    }

    private static AccessDecision DecideGrant(AccessActor actor, AccessRequest request, DateTime nowUtc)
    {
        if (request.Grant is not { } grant)
        {
            return AccessDecision.Refuse(RefusalReasons.GrantRequired);
        }

        if (grant.SubjectId != request.SubjectId)
        {
            return AccessDecision.Refuse(RefusalReasons.GrantOtherSubject);
        }

        if (actor.AccountId is not { } account || grant.RecipientAccountId != account)
        {
            return AccessDecision.Refuse(RefusalReasons.GrantOtherRecipient);
        }

        if (grant.RevokedAt is not null && grant.RevokedAt <= nowUtc)
        {
            return AccessDecision.Refuse(RefusalReasons.GrantRevoked);
        }

        if (nowUtc >= grant.ExpiresAt)
        {
            return AccessDecision.Refuse(RefusalReasons.GrantExpired);
        }

        if (string.IsNullOrWhiteSpace(request.Purpose))
        {
            return AccessDecision.Refuse(RefusalReasons.PurposeRequired);
        }

        var within = (grant.Scope, request.What) switch
        {
            (GrantScopes.Level, AccessWhat.Level) => true,
            (GrantScopes.Score, AccessWhat.Level or AccessWhat.Score) => true,
            (GrantScopes.Report, AccessWhat.Level or AccessWhat.Score or AccessWhat.Report) => true,
            (GrantScopes.Benefit, AccessWhat.BenefitCheck) => grant.Benefit is not null && grant.Benefit == request.Benefit,
            _ => false,
        };
        return within ? AccessDecision.Allow : AccessDecision.Refuse(RefusalReasons.BeyondScope);
    }

    /// <summary>
    /// Whether one record may be shown to the actor, once <see cref="Decide"/> allowed the request.
    /// The same rules as above, per record: class, the unit that furnished it, publication period.
    /// </summary>
    public AccessDecision MayReadRecord(AccessActor actor, RecordFacts record, DateTime nowUtc)
    {
        switch (actor.Role)
        {
            case null:
                return IsPublished(record, Reporting.ReportingTime.ChinaDate(nowUtc)) ? AccessDecision.Allow : AccessDecision.Refuse(RefusalReasons.NotPublished);

            case Roles.Citizen or Roles.Organisation:
                return actor.SubjectId == record.SubjectId ? AccessDecision.Allow : AccessDecision.Refuse(RefusalReasons.NotOwnSubject);

            case Roles.UnitClerk:
                return !string.IsNullOrEmpty(actor.UnitCode) && record.UnitCode == actor.UnitCode
                    ? AccessDecision.Allow
                    : AccessDecision.Refuse(RefusalReasons.OtherUnit);

            case Roles.GovernmentQuerier:
                return record.InfoClass switch
                {
                    InfoClass.A or InfoClass.B => InUse(record, nowUtc),
                    _ => actor.UnitCode is { } body && record.CQueryBodies.Contains(body, StringComparer.Ordinal)
                        ? InUse(record, nowUtc)
                        : AccessDecision.Refuse(RefusalReasons.ClassNotAllowed),
                };

            case Roles.ThirdParty:
                return record.InfoClass is InfoClass.A or InfoClass.B ? InUse(record, nowUtc) : AccessDecision.Refuse(RefusalReasons.ClassNotAllowed);

            case Roles.Operator:
                return InUse(record, nowUtc);

            default:
                return AccessDecision.Refuse(RefusalReasons.RoleNotAllowed);
        }
    }

    /// <summary>
    /// Whether a record whose category is no longer in the catalogue may be shown to the actor. Its class, its C-class
    /// bodies and its publication period were the category's, so nothing says any more who else may see it: the subject
    /// it is about (003 §15: a subject may see all of its own credit information) and a clerk of the unit that furnished
    /// it, which answers for what it holds (003 §11), may still read it; everyone else is refused as for a record no
    /// longer in use.
    /// </summary>
    public static AccessDecision MayReadUncataloguedRecord(AccessActor actor, string unitCode, long subjectId) =>
        (actor.Role == Roles.UnitClerk && !string.IsNullOrEmpty(actor.UnitCode) && actor.UnitCode == unitCode)
        || (actor.Role is Roles.Citizen or Roles.Organisation && actor.SubjectId == subjectId)
            ? AccessDecision.Allow
            : AccessDecision.Refuse(RefusalReasons.NotInUse);

    /// <summary>
    /// Whether the actor may read a remedy case about a subject (a dispute, repair application or
    /// self-report, with the record concerned) or one of its evidence files: the subject or the applicant;
    /// a clerk of the unit that handles it (003 §23: the furnishing unit verifies); the credit centre,
    /// which runs the queues; a supervisor (auditor) the dispute queue only (003 §25: dispute handling),
    /// not the evidence. Third parties and government queriers never: they query through a grant or letter.
    /// </summary>
    public AccessDecision MayReadCase(AccessActor actor, CaseFacts @case) => actor.Role switch
    {
        null => AccessDecision.Refuse(RefusalReasons.NotSignedIn),
        Roles.Citizen or Roles.Organisation => actor.SubjectId == @case.SubjectId || (@case.ApplicantAccountId is { } applicant && applicant == actor.AccountId)
            ? AccessDecision.Allow
            : AccessDecision.Refuse(RefusalReasons.NotOwnSubject),
        Roles.UnitClerk => !string.IsNullOrEmpty(actor.UnitCode) && actor.UnitCode == @case.UnitCode
            ? AccessDecision.Allow
            : AccessDecision.Refuse(RefusalReasons.OtherUnit),
        Roles.Operator => AccessDecision.Allow,
        Roles.Auditor => @case.Kind == CaseKinds.Dispute && !@case.Evidence ? AccessDecision.Allow : AccessDecision.Refuse(RefusalReasons.RoleNotAllowed),
        _ => AccessDecision.Refuse(RefusalReasons.RoleNotAllowed),
    };

    private AccessDecision InUse(RecordFacts record, DateTime nowUtc) =>
        IsInUse(record, Reporting.ReportingTime.ChinaDate(nowUtc)) ? AccessDecision.Allow : AccessDecision.Refuse(RefusalReasons.NotInUse);

    /// <summary>
    /// Still in use on <paramref name="today"/> (the China date), as the score engine counts records: in
    /// force and not retired; a bad record moreover — about a person — under <c>badRecordMaxYears</c>
    /// years from its act (003 §20), and within its publication period — until its own publication end, or the act date
    /// plus its severity's period (SPEC §9). Good and neutral records are in use while in force.
    /// </summary>
    public bool IsInUse(RecordFacts record, DateOnly today)
    {
        if (record.Status != "InForce" || record.Retired)
        {
            return false;
        }

        if (record.Polarity != Polarity.Bad)
        {
            return true;
        }

        if (record.SubjectKind == SubjectKind.Person && record.ActDate is { } act && today >= act.AddYears(badRecordMaxYears))
        {
            return false;
        }

        if (record.PublicationEnd is { } end)
        {
            return today <= end;
        }

        return record.ActDate is not { } from || today < from.AddMonths(publicationMonths[record.Severity ?? Severity.General]);
    }

    /// <summary>
    /// Published to the public: class A and in use (<see cref="IsInUse"/>: in force, not retired, a bad
    /// record within its publication period); minor bad records are not published at all (SPEC §9).
    /// Good and neutral class-A records are public while in force.
    /// </summary>
    public bool IsPublished(RecordFacts record, DateOnly today)
    {
        if (record.InfoClass != InfoClass.A || !IsInUse(record, today))
        {
            return false;
        }

        if (record.Polarity != Polarity.Bad)
        {
            return true;
        }

        // A bad record is published only with a known severity above minor and a period that can be counted.
        return record.Severity is { } severity && severity != Severity.Minor && (record.PublicationEnd is not null || record.ActDate is not null);
    }
}
