using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Access;
using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Core.Subjects;
using Shangding.Web.Access;
using Shangding.Web.Localization;
using Shangding.Web.Portal;

namespace Shangding.Web.Pages.Unit;

/// <summary>
/// The unit's own records (003 §11: a unit corrects or withdraws only what it furnished): newest first, 50 a page, found
/// by record key, by the subject's name or by the full ID number. The search is posted, so neither a name nor an ID number
/// is ever in an address or a log line; each record shown goes through the access policy and into the subject's query log.
/// </summary>
public sealed class RecordsModel(CatalogDefinition catalog, ShangdingDbContext db, IdentityProtector protector, CreditQueries queries, ActorResolver actors,
    UiText text, TimeProvider clock) : PageModel
{
    public const int PageSize = 50;

    public sealed record Row(CreditRecord Record, string SubjectName, string SubjectMasked);

    public CatalogDefinition Catalog => catalog;

    /// <summary>The unit's categories, for the category filter.</summary>
    public IReadOnlyList<Category> Categories { get; private set; } = [];

    [BindProperty(SupportsGet = true)]
    public string? Category { get; set; }

    /// <summary>InForce, Withdrawn, Repaired, Expired or empty for all.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Status { get; set; }

    /// <summary>A record key, or the start of one.</summary>
    [BindProperty]
    public string? Key { get; set; }

    /// <summary>The subject's name as on file.</summary>
    [BindProperty]
    public string? Name { get; set; }

    /// <summary>The subject's full ID number or USCC: posted, looked up by its keyed hash, never shown back.</summary>
    [BindProperty]
    public string? IdNumber { get; set; }

    /// <summary>The subject an ID number search found (an internal number, not the ID), carried to the next page.</summary>
    [BindProperty]
    public long? Subject { get; set; }

    /// <summary>The masked ID the search was for, shown above the results.</summary>
    public string? SearchedMasked { get; private set; }

    /// <summary>Lists the records older than this id (the next page).</summary>
    [BindProperty(SupportsGet = true)]
    public long? Before { get; set; }

    public IReadOnlyList<Row> Rows { get; private set; } = [];

    /// <summary>The id to ask the next page for, when there is one.</summary>
    public long? Next { get; private set; }

    /// <summary>When an ID number search found nothing: what looks wrong with the number as typed (a check digit, a length, a birth date).</summary>
    public string? IdProblem { get; private set; }

    public bool Searched => !string.IsNullOrWhiteSpace(Key) || !string.IsNullOrWhiteSpace(Name) || Subject is not null;

    public Task OnGetAsync(CancellationToken cancellationToken)
    {
        // Key, name and ID number come only by post; an address with them in it finds nothing of them.
        Key = Name = IdNumber = null;
        Subject = null;
        return SearchAsync(cancellationToken);
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var unit = User.FindFirstValue(Policies.UnitClaim)!;
        StaffIdSearch? search = null;
        if (!string.IsNullOrWhiteSpace(IdNumber))
        {
            // The masked form of what the clerk typed; whether the person is on file elsewhere is not said.
            search = await StaffIdSearch.FindAsync(db, protector, clock, IdNumber, cancellationToken);
            Subject = search.SubjectId ?? -1;
            SearchedMasked = search.Masked;
        }
        else if (Subject is { } id)
        {
            // The next page of an ID number search: the subject's masked ID only when the unit holds records about them.
            SearchedMasked = await db.Records.AsNoTracking().AnyAsync(r => r.UnitCode == unit && r.SubjectId == id, cancellationToken)
                ? await db.Subjects.AsNoTracking().Where(s => s.Id == id).Select(s => s.IdMasked).FirstOrDefaultAsync(cancellationToken)
                : null;
        }

        IdNumber = null;
        ModelState.Remove(nameof(IdNumber));
        await SearchAsync(cancellationToken);
        if (Rows.Count == 0)
        {
            IdProblem = search?.ProblemText(text);
        }

        return Page();
    }

    private async Task SearchAsync(CancellationToken cancellationToken)
    {
        var unit = User.FindFirstValue(Policies.UnitClaim)!;
        Categories = [.. catalog.CategoriesOfUnit(unit)];
        var query = db.Records.AsNoTracking().Where(r => r.UnitCode == unit);
        if (!string.IsNullOrEmpty(Category))
        {
            query = query.Where(r => r.CategoryCode == Category);
        }

        if (Enum.TryParse<RecordStatus>(Status, out var status) && Enum.IsDefined(status))
        {
            query = status == RecordStatus.InForce
                ? query.Where(r => r.Status == status)
                // The partial index of records no longer in force (migration 0023) is used when the query says so in its terms.
                : query.Where(r => r.Status == status && r.Status != RecordStatus.InForce);
        }

        if (Subject is { } subject)
        {
            query = query.Where(r => r.SubjectId == subject);
        }

        if (!string.IsNullOrWhiteSpace(Key))
        {
            var key = Key.Trim();
            Key = key;
            // An exact key is one index look-up; otherwise the keys that start with what was typed, case as typed on both
            // databases (SQLite's LIKE ignores the case of Latin letters; the substring test does not).
            query = await query.AnyAsync(r => r.RecordKey == key, cancellationToken)
                ? query.Where(r => r.RecordKey == key)
                : query.Where(r => r.RecordKey.StartsWith(key) && r.RecordKey.Substring(0, key.Length) == key);
        }

        if (!string.IsNullOrWhiteSpace(Name))
        {
            var name = Name.Trim();
            Name = name;
            var named = db.Subjects.Where(s => s.Name == name).Select(s => s.Id);
            query = query.Where(r => named.Contains(r.SubjectId));
        }

        if (Before is { } before)
        {
            query = query.Where(r => r.Id < before);
        }

        // The page's ids first, then its rows: SQLite finds a unit's ids in its (unit, key) index without reading the rows,
        // where ordering whole rows read every record of the unit (3.2 s against 0.3 s for a unit of 2 million records).
        var ids = await query.OrderByDescending(r => r.Id).Select(r => r.Id).Take(PageSize + 1).ToListAsync(cancellationToken);
        var page = await db.Records.AsNoTracking().Where(r => ids.Contains(r.Id)).OrderByDescending(r => r.Id).ToListAsync(cancellationToken);
        Next = page.Count > PageSize ? page[PageSize - 1].Id : null;
        page = [.. page.Take(PageSize)];
        var actor = await actors.ResolveAsync(User, db, cancellationToken);
        var allowed = await queries.ReadUnitRecordsAsync(db, actor, page, "本单位记录查询 unit's own records", "web", cancellationToken);
        var subjectIds = page.Select(r => r.SubjectId).Distinct().ToList();
        var subjects = await db.Subjects.AsNoTracking().Where(s => subjectIds.Contains(s.Id)).ToDictionaryAsync(s => s.Id, s => new { s.Name, s.IdMasked }, cancellationToken);
        Rows = [.. page.Where(r => allowed.Contains(r.Id)).Select(r => new Row(r, subjects.GetValueOrDefault(r.SubjectId)?.Name ?? "—", subjects.GetValueOrDefault(r.SubjectId)?.IdMasked ?? "—"))];
    }

    /// <summary>Whether the category is still in the catalogue: a record of one that left it is listed, to be read only.</summary>
    public bool InCatalogue(string code) => catalog.Find(code) is not null;

    public string CategoryName(string code) => catalog.Find(code) is { } c ? Localization.UiText.Pick(c.NameZh, c.NameEn) : code;

    /// <summary>The next page's address when nothing personal was searched (category and status only); otherwise the next page is posted.</summary>
    public string NextPage() => Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString("/unit/records",
        new[] { ("category", Category), ("status", Status), ("before", Next?.ToString(CultureInfo.InvariantCulture)) }
            .Where(v => !string.IsNullOrEmpty(v.Item2)).Select(v => new KeyValuePair<string, string?>(v.Item1, v.Item2)));
}
