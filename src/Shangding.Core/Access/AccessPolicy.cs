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
public sealed record RecordFacts(long SubjectId, string UnitCode, InfoClass InfoClass, IReadOnlyList<string> CQueryBodies,
    Polarity Polarity, Severity? Severity, string Status, DateOnly? ActDate, DateOnly? PublicationEnd);

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
}

/// <summary>
/// The one access policy (seed 003 §15–18, SPEC §6–7, §11). A pure function of who asks and what is
/// asked; every read path of subject data — web pages, API, CLI exports — calls it, and logs the
/// outcome in the query log. The rules:
/// <list type="bullet">
/// <item>Public (anonymous): records of class A only, in force and within their publication period;
/// minor bad records are never published (SPEC §9).</item>
/// <item>Citizen: everything about their own subject (003 §15 last paragraph, §18); nothing about others.</item>
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
/// </summary>
public sealed class AccessPolicy(IReadOnlyDictionary<Severity, int> publicationMonths)
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

            case Roles.Citizen:
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

            case Roles.Citizen:
                return actor.SubjectId == record.SubjectId ? AccessDecision.Allow : AccessDecision.Refuse(RefusalReasons.NotOwnSubject);

            case Roles.UnitClerk:
                return !string.IsNullOrEmpty(actor.UnitCode) && record.UnitCode == actor.UnitCode
                    ? AccessDecision.Allow
                    : AccessDecision.Refuse(RefusalReasons.OtherUnit);

            case Roles.GovernmentQuerier:
                return record.InfoClass switch
                {
                    InfoClass.A or InfoClass.B => AccessDecision.Allow,
                    _ => actor.UnitCode is { } body && record.CQueryBodies.Contains(body, StringComparer.Ordinal)
                        ? AccessDecision.Allow
                        : AccessDecision.Refuse(RefusalReasons.ClassNotAllowed),
                };

            case Roles.ThirdParty:
                return record.InfoClass is InfoClass.A or InfoClass.B ? AccessDecision.Allow : AccessDecision.Refuse(RefusalReasons.ClassNotAllowed);

            case Roles.Operator:
                return AccessDecision.Allow;

            default:
                return AccessDecision.Refuse(RefusalReasons.RoleNotAllowed);
        }
    }

    /// <summary>
    /// Published to the public: class A, in force, and within the publication period — a bad record
    /// until its own publication end or the act date plus its severity's period; minor bad records are
    /// not published at all (SPEC §9). Good and neutral class-A records are public while in force.
    /// </summary>
    public bool IsPublished(RecordFacts record, DateOnly today)
    {
        if (record.InfoClass != InfoClass.A || record.Status != "InForce")
        {
            return false;
        }

        if (record.Polarity != Polarity.Bad)
        {
            return true;
        }

        if (record.Severity is not { } severity || severity == Severity.Minor)
        {
            return false;
        }

        if (record.PublicationEnd is { } end)
        {
            return today <= end;
        }

        return record.ActDate is { } act && today < act.AddMonths(publicationMonths[severity]);
    }
}
