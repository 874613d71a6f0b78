using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Core.Intake;
using Shangding.Web.Access;
using Shangding.Web.Localization;
using Shangding.Web.Portal;

namespace Shangding.Web.Pages.Unit;

public sealed class BatchModel(CatalogDefinition catalog, ShangdingDbContext db, UploadJobs jobs, IntakeService intake) : PageModel
{
    public const int ShownRejects = 200;

    public sealed record RejectView(int RowNumber, string? RecordKey, IReadOnlyList<IntakeReason> Reasons);

    public IntakeBatch? Batch { get; private set; }
    public Category? Category { get; private set; }
    public IReadOnlyList<RejectView> Rejects { get; private set; } = [];

    /// <summary>The import of a Running batch uploaded to this process, while it runs: its progress, and its cancel.</summary>
    public UploadJob? Job { get; private set; }

    /// <summary>Seconds between reloads of the page of a Running batch.</summary>
    public const int RefreshSeconds = 2;

    /// <summary>Seconds between reloads of the page of a Running batch this process does not run (a CLI import).</summary>
    public const int RefreshSecondsElsewhere = 10;

    public async Task<IActionResult> OnGetAsync(long id, CancellationToken cancellationToken)
    {
        var unit = User.FindFirstValue(Policies.UnitClaim);
        Batch = await db.IntakeBatches.AsNoTracking().FirstOrDefaultAsync(b => b.Id == id && b.UnitCode == unit, cancellationToken);
        if (Batch is null)
        {
            return NotFound();
        }

        if (Batch.Status == BatchStatus.Refused)
        {
            // A batch that gave way to another, whose file the platform sends again (FileImport.RunAsync): the unit's next
            // batch of the same file is the one it was sent as. While this process imports it the clerk follows its
            // progress there; until it starts (the file waits for the batches running now) the page reloads itself.
            if (Batch.Message == IntakeService.SentAgainMessage && Batch.FileSha256 is { } sha)
            {
                SentAgainAs = await db.IntakeBatches.AsNoTracking().Where(b => b.UnitCode == unit && b.FileSha256 == sha && b.Id > id)
                    .OrderBy(b => b.Id).Select(b => (long?)b.Id).FirstOrDefaultAsync(cancellationToken);
                if (SentAgainAs is { } next && jobs.Find(next, unit!) is not null)
                {
                    return LocalRedirect($"/unit/batches/{next}");
                }
            }

            SendingAgain = SentAgainAs is null ? jobs.Find(id, unit!) : null;
        }

        Category = Batch.CategoryCode is null ? null : catalog.Find(Batch.CategoryCode);
        MixedCategories = await MixedCategoriesAsync(db, catalog, Batch, cancellationToken);
        Job = Batch.Status == BatchStatus.Running ? jobs.Find(id, unit!) : null;
        if (Batch.Status == BatchStatus.Running && Job is null)
        {
            // Run elsewhere (a CLI import, another server): if its process died (a crash, a kill), the database rolled it
            // back, so say it stored nothing. On SQLite while another import holds the write lock, the page shows it
            // Running and tries again when it reloads.
            if (await intake.TrySweepBatchAsync(id, cancellationToken))
            {
                Batch = await db.IntakeBatches.AsNoTracking().FirstAsync(b => b.Id == id, cancellationToken);
            }
        }

        Rejects = await RejectsAsync(db, id, cancellationToken);
        SameFileAs = await BatchView.SameFileAsync(db, Batch, cancellationToken);
        return Page();
    }

    /// <summary>The batch this one's file was sent again as, after it gave way to another.</summary>
    public long? SentAgainAs { get; private set; }

    /// <summary>The upload whose batch this was: it gave way to another, and the file is about to be sent again as a new batch.</summary>
    public UploadJob? SendingAgain { get; private set; }

    /// <summary>The categories an API request that mixed them furnished (its batch names none); empty for other batches.</summary>
    public IReadOnlyList<Category> MixedCategories { get; private set; } = [];

    public static async Task<IReadOnlyList<Category>> MixedCategoriesAsync(ShangdingDbContext db, CatalogDefinition catalog, IntakeBatch batch,
        CancellationToken cancellationToken)
    {
        if (batch.CategoryCode is not null)
        {
            return [];
        }

        var id = batch.Id;
        var codes = await db.IntakeBatchCategories.AsNoTracking().Where(c => c.BatchId == id).Select(c => c.CategoryCode).ToListAsync(cancellationToken);
        return [.. codes.Order(StringComparer.Ordinal).Select(catalog.Find).OfType<Category>()];
    }

    /// <summary>The category (or categories) a batch page names.</summary>
    public static string CategoryText(Category? category, IReadOnlyList<Category> mixed) =>
        category is not null ? UiText.Pick(category.NameZh, category.NameEn)
        : mixed.Count > 0 ? string.Join(UiText.IsEnglish() ? "; " : "；", mixed.Select(c => UiText.Pick(c.NameZh, c.NameEn)))
        : "—";

    /// <summary>Cancels the import of the unit's Running batch: it rolls back and its batch says it stored nothing.</summary>
    public IActionResult OnPostCancel(long id)
    {
        if (jobs.Find(id, User.FindFirstValue(Policies.UnitClaim)!) is { } job)
        {
            job.Cancel();
        }

        return LocalRedirect($"/unit/batches/{id}");
    }

    /// <summary>
    /// The key of a batch's status as a clerk reads it: a batch that committed but stored nothing (every row rejected, or
    /// a file without data rows) says so, instead of "stored".
    /// </summary>
    public static string StatusKey(IntakeBatch batch) =>
        batch.Status != BatchStatus.Committed ? "batch.status." + batch.Status
        : batch.Channel == IntakeChannels.NilReport ? "batch.status.NilReport"
        : batch.HasFurnished() ? "batch.status.Committed"
        : "batch.status.Nothing";

    /// <summary>What the batch's shared parts (_BatchNotes, _BatchOutcome) show; the unit downloads its rejects files.</summary>
    public BatchView View => new(Batch!, Rejects, Downloads: true) { SameFileAs = SameFileAs };

    public IntakeBatch? SameFileAs { get; private set; }

    /// <summary>The first rejected rows of a batch, with their reasons (no cells: they hold the ID numbers as uploaded).</summary>
    public static async Task<IReadOnlyList<RejectView>> RejectsAsync(ShangdingDbContext db, long id, CancellationToken cancellationToken) =>
        (await db.IntakeRejects.AsNoTracking().Where(r => r.BatchId == id).OrderBy(r => r.RowNumber).Take(ShownRejects).ToListAsync(cancellationToken))
        .Select(r => new RejectView(r.RowNumber, r.RecordKey, IntakeReasons.Parse(r.ReasonsJson))).ToList();
}

/// <summary>A batch as its page shows it, to the unit (with the rejects files) or to the operator (without).</summary>
public sealed record BatchView(IntakeBatch Batch, IReadOnlyList<BatchModel.RejectView> Rejects, bool Downloads)
{
    /// <summary>An earlier stored batch of the same unit with the very same file (same SHA-256), when there is one.</summary>
    public IntakeBatch? SameFileAs { get; init; }

    /// <summary>Where a batch's page is for this reader: the unit's own or the operator's.</summary>
    public string BatchLink(long id) => (Downloads ? "/unit/batches/" : "/operator/batches/") + id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// The latest earlier batch of the unit that stored the same file: a clerk who uploads a file again (or the CLI re-runs)
    /// is told so, which explains a batch of rows all "unchanged".
    /// </summary>
    public static Task<IntakeBatch?> SameFileAsync(ShangdingDbContext db, IntakeBatch batch, CancellationToken cancellationToken) =>
        batch.FileSha256 is not { } sha ? Task.FromResult<IntakeBatch?>(null)
        : db.IntakeBatches.AsNoTracking()
            .Where(b => b.UnitCode == batch.UnitCode && b.FileSha256 == sha && b.Id < batch.Id && b.Status == BatchStatus.Committed)
            .OrderByDescending(b => b.Id).FirstOrDefaultAsync(cancellationToken);

    /// <summary>The batch's warnings (a hidden sheet or a column ignored, names that differ from those on file), each "中文 / English".</summary>
    public IReadOnlyList<string> Warnings => Batch.WarningsJson is { } json
        ? System.Text.Json.JsonSerializer.Deserialize<List<string>>(json) ?? []
        : [];

    /// <summary>Batch messages are stored as "中文 / English"; show the half in the reader's language.</summary>
    public static string Localise(string line)
    {
        var split = line.IndexOf(" / ", StringComparison.Ordinal);
        return split < 0 ? line : UiText.IsEnglish() ? line[(split + 3)..] : line[..split];
    }
}
