using Microsoft.EntityFrameworkCore;
using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Core.Subjects;

namespace Shangding.Core.Access;

/// <summary>The public lists (A-class only, 003 §17, 002 §12, 004 §3).</summary>
public static class PublicLists
{
    /// <summary>Severe-dishonesty disclosures: serious bad class-A records within their publication period.</summary>
    public const string Severe = "severe";

    /// <summary>Organisation red list (004 §3: O-EPIDEMIC-RED-LIST).</summary>
    public const string Red = "red";

    /// <summary>Organisation black list (004 §3: O-EPIDEMIC-BLACK-LIST).</summary>
    public const string Black = "black";

    public static IReadOnlyList<string> All { get; } = [Severe, Red, Black];
}

/// <summary>
/// One line of a public list: nothing private, identifiers masked (USCCs are public and shown whole).
/// <paramref name="UnderDispute"/>: the record has an open dispute; it stays published but is marked so (003 §24).
/// </summary>
public sealed record PublicEntry(long RecordId, string SubjectName, string SubjectId, string SubjectKind, string CategoryCode, string CategoryZh, string CategoryEn,
    string UnitZh, string UnitEn, DateOnly? ActDate, DateOnly? PublishedUntil, bool UnderDispute);

public sealed record PublicPage(string List, int Page, int PageSize, int Total, IReadOnlyList<PublicEntry> Entries);

/// <summary>
/// Public information: the lists and the search of A-class records. Every record shown passes
/// <see cref="AccessPolicy.MayReadRecord"/> for the anonymous actor (class A, in force, within the
/// publication period); persons' names are masked in lists, identifiers always.
/// </summary>
public sealed class PublicInformation(AccessPolicy policy, CatalogDefinition catalog, TimeProvider clock, Scoring.ScoreModelRegistry models)
{
    public const int PageSize = 20;

    public IReadOnlyList<Category> CategoriesOf(string list) => list switch
    {
        PublicLists.Red => catalog.Categories.Where(c => c.Code == "O-EPIDEMIC-RED-LIST").ToList(),
        PublicLists.Black => catalog.Categories.Where(c => c.Code == "O-EPIDEMIC-BLACK-LIST").ToList(),
        _ => catalog.Categories.Where(c => c.InfoClass == InfoClass.A && c.Polarity == Polarity.Bad && c.Severity == Severity.Serious && c.Code != "O-EPIDEMIC-BLACK-LIST").ToList(),
    };

    public async Task<PublicPage> ListAsync(ShangdingDbContext context, string list, int page, CancellationToken cancellationToken)
    {
        list = PublicLists.All.Contains(list) ? list : PublicLists.Severe;
        var categories = CategoriesOf(list);
        var codes = categories.Select(c => c.Code).ToList();
        var now = clock.GetUtcNow().UtcDateTime;
        var today = Reporting.ReportingTime.ChinaDate(now);
        var candidates = context.Records.AsNoTracking().Where(r => codes.Contains(r.CategoryCode) && r.Status == RecordStatus.InForce);
        if (categories.All(c => c.Polarity == Polarity.Bad))
        {
            // Narrow in SQL to what can still be within a publication period (the longest one); the
            // policy below decides each record exactly.
            var longest = Math.Max(models.Active.PublicationMonths.Values.Max(), Remedies.PublicationPeriods.MaxMonths(Severity.Serious));
            var horizon = today.AddMonths(-longest).AddDays(-1);
            candidates = candidates.Where(r => r.PublicationEnd != null ? r.PublicationEnd >= today : r.ActDate != null && r.ActDate > horizon);
        }

        // Only the columns the policy needs for every candidate; the page's 20 are read in full below.
        var slim = await candidates
            .OrderByDescending(r => r.ActDate).ThenByDescending(r => r.Id)
            .Select(r => new { r.Id, r.SubjectId, r.UnitCode, r.CategoryCode, r.Severity, r.Status, r.ActDate, r.PublicationEnd })
            .ToListAsync(cancellationToken);
        var visible = slim.Where(r => policy.MayReadRecord(AccessActor.Anonymous,
            CreditQueries.Facts(r.SubjectId, r.UnitCode, r.Severity, r.Status, r.ActDate, r.PublicationEnd, catalog.Find(r.CategoryCode)!), now).Allowed)
            .Select(r => r.Id).ToList();
        page = Math.Max(1, page);
        var pageIds = visible.Skip((page - 1) * PageSize).Take(PageSize).ToList();
        var rows = await context.Records.AsNoTracking().Where(r => pageIds.Contains(r.Id))
            .Join(context.Subjects, r => r.SubjectId, s => s.Id, (r, s) => new { Record = r, s.Name, s.IdMasked, s.Kind })
            .ToListAsync(cancellationToken);
        var entries = rows.OrderBy(x => pageIds.IndexOf(x.Record.Id))
            .Select(x => Entry(x.Record, x.Name, x.IdMasked, x.Kind, maskName: x.Kind == SubjectKind.Person)).ToList();
        return new PublicPage(list, page, PageSize, visible.Count, entries);
    }

    /// <summary>
    /// The published records of one subject, found by name and full identifier together (never by
    /// one alone). A miss and a subject without published records give the same empty answer.
    /// </summary>
    public async Task<IReadOnlyList<PublicEntry>> SearchAsync(ShangdingDbContext context, CreditQueries queries, string? name, string? identifier, CancellationToken cancellationToken)
    {
        var subjectId = await queries.FindSubjectAsync(context, identifier, name, cancellationToken);
        var answer = await queries.QueryAsync(context, AccessActor.Anonymous, new AccessRequest(subjectId, AccessWhat.Records, "public-search"), "web", cancellationToken);
        if (!answer.Allowed || subjectId is null)
        {
            return [];
        }

        var subject = await context.Subjects.AsNoTracking().SingleAsync(s => s.Id == subjectId, cancellationToken);
        var ids = answer.Records!.Select(r => r.Id).ToList();
        var records = await context.Records.AsNoTracking().Where(r => ids.Contains(r.Id)).ToListAsync(cancellationToken);
        return records.OrderByDescending(r => r.ActDate).Select(r => Entry(r, subject.Name, subject.IdMasked, subject.Kind, maskName: false)).ToList();
    }

    private PublicEntry Entry(CreditRecord record, string name, string idMasked, SubjectKind kind, bool maskName)
    {
        var category = catalog.Find(record.CategoryCode)!;
        var unit = catalog.FindUnit(record.UnitCode);
        DateOnly? until = record.PublicationEnd;
        if (until is null && category.Polarity == Polarity.Bad && record.ActDate is { } act && Enum.TryParse<Severity>(record.Severity, out var severity))
        {
            until = act.AddMonths(models.Active.PublicationMonths[severity]).AddDays(-1);
        }

        return new PublicEntry(record.Id, maskName ? Masking.MaskName(name) : name, idMasked, kind.ToString(), category.Code, category.NameZh, category.NameEn,
            unit?.NameZh ?? record.UnitCode, unit?.NameEn ?? record.UnitCode, record.ActDate, until, record.UnderDispute);
    }
}
