using Microsoft.EntityFrameworkCore;
using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Core.Scoring;
using Shangding.Core.Subjects;

namespace Shangding.Core.Access;

/// <summary>A record as shown to someone allowed to see it.</summary>
public sealed record RecordView(long Id, string CategoryCode, string CategoryZh, string CategoryEn, string InfoClass, string Polarity, string? Severity,
    string UnitCode, string UnitZh, string UnitEn, DateOnly? ActDate, string Status, bool UnderDispute, DateOnly? PublicationEnd,
    DateTime CreatedAt, DateTime UpdatedAt, string FieldsJson);

/// <summary>
/// The answer to a query. A refusal carries nothing about the subject — not even whether they exist;
/// <see cref="Reason"/> is for the log and the querier's own account, never shown to a third party.
/// </summary>
public sealed record QueryResult(bool Allowed, string? Reason, long LogEntryId, string? Level = null, string? LevelZh = null, string? LevelEn = null,
    int? Score = null, bool? Eligible = null, IReadOnlyList<RecordView>? Records = null, bool? OptedIn = null);

/// <summary>
/// Every read of a subject's credit information goes through here: find the subject, ask the
/// <see cref="AccessPolicy"/>, log the query (allowed or refused) in the query log, count a grant's
/// use, and return only what the policy allows — records filtered one by one, a benefit check as yes
/// or no. Pages, the query API and exports call this; nothing reads subject data beside it.
/// </summary>
public sealed class CreditQueries(AccessPolicy policy, QueryLog log, CatalogDefinition catalog, BenefitCatalog benefits, IdentityProtector protector, TimeProvider clock)
{
    public AccessPolicy Policy => policy;

    /// <summary>
    /// The subject named by a full identifier and (when given) a name; null when there is no such
    /// subject or the name does not match — the caller cannot tell which.
    /// </summary>
    public async Task<long?> FindSubjectAsync(ShangdingDbContext context, string? identifier, string? name, CancellationToken cancellationToken)
    {
        var normalised = IdentifierNormaliser.Normalise(identifier);
        var hash = protector.LookupHash(string.IsNullOrEmpty(normalised) ? "-" : normalised);
        var subject = await context.Subjects.AsNoTracking().Where(s => s.IdHash == hash).Select(s => new { s.Id, s.Name }).FirstOrDefaultAsync(cancellationToken);
        if (subject is null || string.IsNullOrEmpty(normalised))
        {
            return null;
        }

        return name is null || string.Equals(subject.Name, name.Trim(), StringComparison.Ordinal) ? subject.Id : null;
    }

    /// <summary>Decides, logs and answers one query.</summary>
    /// <param name="channel"><c>web</c>, <c>api</c> or <c>cli</c>.</param>
    public async Task<QueryResult> QueryAsync(ShangdingDbContext context, AccessActor actor, AccessRequest request, string channel, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        AccessGrant? grantRow = null;
        if (request.Grant is { } g)
        {
            grantRow = await context.AccessGrants.FirstOrDefaultAsync(x => x.Id == g.Id, cancellationToken);
        }

        var decision = policy.Decide(actor, request, now);
        List<RecordView>? records = null;
        if (decision.Allowed && request.What is AccessWhat.Records or AccessWhat.Report or AccessWhat.Export)
        {
            var (visible, refusal) = await ReadRecordsAsync(context, actor, request.SubjectId!.Value, now, cancellationToken);
            records = visible;
            if (request.What == AccessWhat.Records && visible.Count == 0 && refusal is not null)
            {
                // Records exist but none is for this querier (another unit's, or class C for another body).
                decision = AccessDecision.Refuse(refusal);
            }
        }

        StoredScore? score = null;
        if (decision.Allowed && request.What is AccessWhat.Level or AccessWhat.Score or AccessWhat.Report or AccessWhat.BenefitCheck or AccessWhat.Export)
        {
            score = await context.Scores.AsNoTracking().FirstOrDefaultAsync(s => s.SubjectId == request.SubjectId, cancellationToken);
        }

        bool? eligible = null;
        if (decision.Allowed && request.What == AccessWhat.BenefitCheck)
        {
            var benefit = benefits.Find(request.Benefit);
            eligible = benefit is not null && score is not null && Enum.TryParse<ScoreLevel>(score.Level, out var level) && benefit.IsEarnedBy(level);
        }

        await using var transaction = context.Database.CurrentTransaction is null ? await context.Database.BeginTransactionAsync(cancellationToken) : null;
        var entry = await log.AppendAsync(context, new QueryLogInput(actor.AccountId, actor.Role ?? "public", actor.Name ?? actor.Role ?? "public",
            request.SubjectId ?? 0, channel, string.IsNullOrWhiteSpace(request.Purpose) ? DefaultPurpose(actor) : request.Purpose.Trim(),
            ScopeText(request), request.Grant?.Id, string.IsNullOrWhiteSpace(request.LetterNumber) ? null : request.LetterNumber.Trim(),
            decision.Allowed ? QueryOutcome.Allowed : QueryOutcome.Refused, decision.Reason), cancellationToken);
        if (decision.Allowed && grantRow is not null)
        {
            grantRow.UseCount++;
            grantRow.LastUsedAt = now;
            await context.SaveChangesAsync(cancellationToken);
        }

        if (transaction is not null)
        {
            await transaction.CommitAsync(cancellationToken);
        }

        if (!decision.Allowed)
        {
            return new QueryResult(false, decision.Reason, entry.Id);
        }

        var levelDef = score is not null && Enum.TryParse<ScoreLevel>(score.Level, out var l) ? l : (ScoreLevel?)null;
        var showLevel = request.What is AccessWhat.Level or AccessWhat.Score or AccessWhat.Report or AccessWhat.Export;
        var showScore = request.What is AccessWhat.Score or AccessWhat.Report or AccessWhat.Export;
        return new QueryResult(true, null, entry.Id,
            Level: showLevel ? levelDef?.ToString() : null,
            LevelZh: showLevel && levelDef is { } z ? LevelNames.Zh(z) : null,
            LevelEn: showLevel && levelDef is { } e ? LevelNames.En(e) : null,
            Score: showScore ? score?.Score : null,
            Eligible: eligible,
            Records: records,
            OptedIn: showLevel ? score is not null : null);
    }

    /// <summary>
    /// A staff page (or the evidence download) shows remedy cases: the policy decides each
    /// (<see cref="AccessPolicy.MayReadCase"/>), the query log gets one entry per subject, kind and outcome
    /// — the purpose naming the case numbers — and only the allowed cases are returned for the page to show.
    /// </summary>
    /// <param name="purpose">What the page is for, as the subject reads it in their query list (e.g. "核查异议 dispute verification").</param>
    public async Task<IReadOnlyList<CaseFacts>> ReadCasesAsync(ShangdingDbContext context, AccessActor actor, IReadOnlyList<CaseFacts> cases, string purpose,
        string channel, CancellationToken cancellationToken)
    {
        if (cases.Count == 0)
        {
            return [];
        }

        var decided = cases.Select(c => (Case: c, Decision: policy.MayReadCase(actor, c))).ToList();
        await LogReadsAsync(context, actor, decided.Select(d => (d.Case.SubjectId, d.Case.Id, d.Case.Evidence ? CaseKinds.EvidenceScope : d.Case.Kind, d.Decision)),
            purpose, channel, cancellationToken);
        return [.. decided.Where(d => d.Decision.Allowed).Select(d => d.Case)];
    }

    /// <summary>
    /// A clerk's page shows records of the clerk's unit (the unit's records list, a record's own page): the policy decides
    /// each (<see cref="AccessPolicy.MayReadRecord"/>), the query log gets one entry per subject and outcome — the purpose
    /// naming the record numbers — and the ids of the records the page may show are returned. A record of a category no longer
    /// in the catalogue is still shown to its unit (<see cref="AccessPolicy.MayReadUncataloguedRecord"/>), read only.
    /// </summary>
    public async Task<HashSet<long>> ReadUnitRecordsAsync(ShangdingDbContext context, AccessActor actor, IReadOnlyList<CreditRecord> records, string purpose,
        string channel, CancellationToken cancellationToken)
    {
        if (records.Count == 0)
        {
            return [];
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var decided = records.Select(r => (Record: r, Decision: catalog.Find(r.CategoryCode) is { } category
            ? policy.MayReadRecord(actor, Facts(r, category), now)
            : AccessPolicy.MayReadUncataloguedRecord(actor, r.UnitCode, r.SubjectId))).ToList();
        await LogReadsAsync(context, actor, decided.Select(d => (d.Record.SubjectId, d.Record.Id, "records", d.Decision)), purpose, channel, cancellationToken);
        return [.. decided.Where(d => d.Decision.Allowed).Select(d => d.Record.Id)];
    }

    /// <summary>
    /// What a staff page shows, decided item by item, into the query log: one entry per subject, scope and outcome, the
    /// purpose naming the numbers of the items (cases or records).
    /// </summary>
    private async Task LogReadsAsync(ShangdingDbContext context, AccessActor actor, IEnumerable<(long SubjectId, long Id, string Scope, AccessDecision Decision)> reads,
        string purpose, string channel, CancellationToken cancellationToken)
    {
        var entries = reads
            .GroupBy(d => (d.SubjectId, d.Scope, d.Decision.Allowed, d.Decision.Reason))
            .Select(g => new QueryLogInput(actor.AccountId, actor.Role ?? "public", actor.Name ?? actor.Role ?? "public", g.Key.SubjectId, channel,
                $"{purpose} · No. {string.Join(", ", g.Select(d => d.Id).Distinct().Order())}", g.Key.Scope, null, null,
                g.Key.Allowed ? QueryOutcome.Allowed : QueryOutcome.Refused, g.Key.Reason))
            .ToList();
        await log.AppendAsync(context, entries, cancellationToken);
    }

    private async Task<(List<RecordView> Visible, string? Refusal)> ReadRecordsAsync(ShangdingDbContext context, AccessActor actor, long subjectId, DateTime now, CancellationToken cancellationToken)
    {
        var stored = await context.Records.AsNoTracking().Where(r => r.SubjectId == subjectId).OrderByDescending(r => r.ActDate).ThenBy(r => r.Id).ToListAsync(cancellationToken);
        var retired = (await context.RetiredRecords.AsNoTracking().Where(r => r.SubjectId == subjectId).Select(r => r.RecordId).ToListAsync(cancellationToken)).ToHashSet();
        var visible = new List<RecordView>();
        string? refusal = null;
        foreach (var record in stored)
        {
            var category = catalog.Find(record.CategoryCode);
            var decision = category is null
                ? AccessPolicy.MayReadUncataloguedRecord(actor, record.UnitCode, record.SubjectId)
                : policy.MayReadRecord(actor, Facts(record, category, retired.Contains(record.Id)), now);
            if (!decision.Allowed)
            {
                // A record no longer in use is left out as if it did not exist; it does not turn the query into a refusal.
                if (decision.Reason != RefusalReasons.NotInUse)
                {
                    refusal ??= decision.Reason;
                }

                continue;
            }

            var unit = catalog.FindUnit(record.UnitCode);
            // A category no longer in the catalogue (shown to the subject and its unit only): its code, said to be gone; its
            // class and polarity are no longer known.
            visible.Add(new RecordView(record.Id, record.CategoryCode,
                category?.NameZh ?? $"{record.CategoryCode}（已不在目录中）", category?.NameEn ?? $"{record.CategoryCode} (no longer in the catalogue)",
                category?.InfoClass.ToString() ?? UncataloguedClass, category?.Polarity.ToString() ?? UncataloguedClass,
                record.Severity, record.UnitCode, unit?.NameZh ?? record.UnitCode, unit?.NameEn ?? record.UnitCode, record.ActDate, record.Status.ToString(),
                record.UnderDispute, record.PublicationEnd, record.CreatedAt, record.UpdatedAt, record.FieldsJson));
        }

        return (visible, refusal);
    }

    /// <summary>The class and polarity of a record whose category is no longer in the catalogue.</summary>
    public const string UncataloguedClass = "Unknown";

    public static RecordFacts Facts(CreditRecord record, Category category, bool retired = false) =>
        Facts(record.SubjectId, record.UnitCode, record.Severity, record.Status, record.ActDate, record.PublicationEnd, category, retired);

    /// <summary>The facts from a record's columns (for reads that do not load the whole record).</summary>
    /// <param name="retired">Whether the record is in <c>retired_records</c> (past retention).</param>
    public static RecordFacts Facts(long subjectId, string unitCode, string? severity, RecordStatus status, DateOnly? actDate, DateOnly? publicationEnd, Category category,
        bool retired = false) =>
        new(subjectId, unitCode, category.InfoClass, category.CQueryBodies, category.Polarity,
            Enum.TryParse<Severity>(severity, out var parsed) ? parsed : category.Severity, status.ToString(), actDate, publicationEnd, category.SubjectKind, retired);

    private static string DefaultPurpose(AccessActor actor) => actor.Role switch
    {
        Roles.Citizen or Roles.Organisation => "self-query",
        null => "public-information",
        _ => "",
    };

    public static string ScopeText(AccessRequest request) => request.What switch
    {
        AccessWhat.BenefitCheck => "benefit:" + (request.Benefit ?? ""),
        AccessWhat.QueryHistory => "query-history",
        _ => request.What.ToString().ToLowerInvariant(),
    };
}

/// <summary>Names of the five levels (seed 001 §四).</summary>
public static class LevelNames
{
    public static string Zh(ScoreLevel level) => level switch
    {
        ScoreLevel.Outstanding => "信用极好",
        ScoreLevel.Excellent => "信用优秀",
        ScoreLevel.Good => "信用良好",
        ScoreLevel.MinorDishonesty => "轻微失信",
        _ => "信用较差",
    };

    public static string En(ScoreLevel level) => level switch
    {
        ScoreLevel.Outstanding => "Outstanding",
        ScoreLevel.Excellent => "Excellent",
        ScoreLevel.Good => "Good",
        ScoreLevel.MinorDishonesty => "Minor dishonesty",
        _ => "Poor",
    };
}
