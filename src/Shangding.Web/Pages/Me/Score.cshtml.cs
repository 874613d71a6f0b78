using System.Globalization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Access;
using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Core.Scoring;
using Shangding.Web.Localization;
using Shangding.Web.Portal;

namespace Shangding.Web.Pages.Me;

/// <summary>
/// My Shangding score (001 §2(2), SPEC §5): opt in (18+, with confirmation) or out; the score with its
/// level, gauge, five dimensions, up to four key reasons, the records that count with their points and
/// the day each stops counting, the history, and what-if questions answered by the pure engine
/// (<see cref="ScoreEngine.WhatIf"/>) without storing anything.
/// </summary>
/// <remarks>Residents only: organisations have no score.</remarks>
[Authorize(Roles = Roles.Citizen)]
public sealed class MyScoreModel(ShangdingDbContext db, ScoreService scores, TimeProvider clock, UiText text) : CitizenPage(db)
{
    public const int WhatIfDonations = 2;

    public Shangding.Core.Scoring.ScoreModel Model => scores.Model;
    public bool OptedIn { get; private set; }
    public bool Adult { get; private set; }
    public StoredScore? Stored { get; private set; }
    public ScoreResult? Result { get; private set; }
    public IReadOnlyList<ScoreChange> History { get; private set; } = [];
    public WhatIfResult? WhatIf { get; private set; }
    public string? WhatIfQuestion { get; private set; }

    [BindProperty]
    public bool Confirm { get; set; }

    [BindProperty]
    public long? RepairRecordId { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Done { get; set; }

    public string? ConfirmError { get; private set; }
    public string? OptInError { get; private set; }
    public string? OptOutError { get; private set; }
    public string? RepairError { get; private set; }

    private DateOnly Today => Shangding.Core.Reporting.ReportingTime.ChinaDate(clock.GetUtcNow());

    public Task OnGetAsync(CancellationToken cancellationToken) => LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostOptInAsync(CancellationToken cancellationToken)
    {
        if (!Confirm)
        {
            ConfirmError = text["portal.score.confirm.required"];
            await LoadAsync(cancellationToken);
            return Page();
        }

        try
        {
            await scores.OptInAsync(Db, Subject.Id, "web", cancellationToken);
        }
        catch (ScoreOptInException e)
        {
            OptInError = UiText.Pick(e.MessageZh, e.MessageEn);
            await LoadAsync(cancellationToken);
            return Page();
        }

        return RedirectToPage(new { Done = "in" });
    }

    public async Task<IActionResult> OnPostOptOutAsync(CancellationToken cancellationToken)
    {
        if (!Confirm)
        {
            OptOutError = text["portal.score.confirm.required"];
            await LoadAsync(cancellationToken);
            return Page();
        }

        await scores.OptOutAsync(Db, Subject.Id, cancellationToken);
        return RedirectToPage(new { Done = "out" });
    }

    /// <summary>"If this record were repaired": the engine's answer, stored nowhere.</summary>
    public async Task<IActionResult> OnPostRepairAsync(CancellationToken cancellationToken)
    {
        await LoadAsync(cancellationToken);
        if (Result is null)
        {
            return Page();
        }

        var record = Result.Contributions.FirstOrDefault(c => c.RecordId == RepairRecordId && c.Polarity == Polarity.Bad);
        if (record is null)
        {
            RepairError = text["portal.score.whatif.pick"];
            return Page();
        }

        var records = await LoadRecordsAsync(cancellationToken);
        WhatIf = ScoreEngine.WhatIf(records, Model, Today, [new RepairRecord(record.RecordId)]);
        WhatIfQuestion = text.Format("portal.score.whatif.repairQ", UiText.Pick(record.CategoryZh, record.CategoryEn));
        return Page();
    }

    /// <summary>"If I donated blood twice more": two more donation records of today, stored nowhere.</summary>
    public async Task<IActionResult> OnPostDonateAsync(CancellationToken cancellationToken)
    {
        await LoadAsync(cancellationToken);
        if (Result is null)
        {
            return Page();
        }

        var records = await LoadRecordsAsync(cancellationToken);
        var changes = Enumerable.Range(1, WhatIfDonations)
            .Select(i => (WhatIfChange)new AddRecord(new ScoringRecord(-i, "P-BLOOD-DONATION", Today.AddDays(1 - i), ScoringStatus.InForce,
                new Dictionary<string, string> { ["donated_on"] = Today.AddDays(1 - i).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), ["donation_count"] = "1" })))
            .ToList();
        WhatIf = ScoreEngine.WhatIf(records, Model, Today, changes);
        WhatIfQuestion = text.Format("portal.score.whatif.donateQ", WhatIfDonations);
        return Page();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Adult = Subject.BirthDate is { } birth && birth <= Today.AddYears(-ScoreService.AdultAge);
        OptedIn = await Db.ScoreOptIns.AnyAsync(o => o.SubjectId == Subject.Id && o.OptedOutAt == null, cancellationToken);
        if (!OptedIn)
        {
            return;
        }

        Stored = await Db.Scores.AsNoTracking().SingleOrDefaultAsync(s => s.SubjectId == Subject.Id, cancellationToken);
        // Stored scores keep a compact explanation; the page shows the full one, computed from the same records.
        Result = await scores.ComputeAsync(Db, Subject.Id, cancellationToken);
        History = await Db.ScoreHistory.AsNoTracking().Where(h => h.SubjectId == Subject.Id).OrderBy(h => h.ComputedAt).ThenBy(h => h.Id).ToListAsync(cancellationToken);
    }

    private async Task<List<ScoringRecord>> LoadRecordsAsync(CancellationToken cancellationToken)
    {
        var rows = await Db.Records.AsNoTracking().Where(r => r.SubjectId == Subject.Id)
            .Select(r => new { r.Id, r.CategoryCode, r.ActDate, r.Status, r.FieldsJson, r.PublicationEnd, r.UnderDispute, r.Severity })
            .ToListAsync(cancellationToken);
        return [.. rows.Select(r => ScoringRecord.FromStored(r.Id, r.CategoryCode, r.ActDate, r.Status.ToString(), r.FieldsJson, r.PublicationEnd, r.UnderDispute, r.Severity))];
    }

    public string LevelName(ScoreLevel level) => Model.Levels.FirstOrDefault(l => l.Level == level) is { } l ? UiText.Pick(l.NameZh, l.NameEn) : level.ToString();

    /// <summary>The text key for why a score was (re)computed.</summary>
    public static string ReasonKey(string reason) => reason switch
    {
        "opt-in" => "portal.score.reason.optIn",
        "records-changed" or "intake" => "portal.score.reason.records",
        "daily" => "portal.score.reason.daily",
        "recompute" => "portal.score.reason.recompute",
        _ when reason.Contains("model", StringComparison.OrdinalIgnoreCase) => "portal.score.reason.model",
        _ => "portal.score.reason.other",
    };

    public static string WithSign(int points) => points.ToString("+0;-0;0", CultureInfo.InvariantCulture);
}
