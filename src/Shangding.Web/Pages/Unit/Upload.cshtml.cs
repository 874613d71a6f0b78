using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Shangding.Core.Catalog;
using Shangding.Core.Intake;
using Shangding.Web.Access;
using Shangding.Web.Localization;
using Shangding.Web.Portal;

namespace Shangding.Web.Pages.Unit;

/// <summary>Batch upload (批量上传) of .xlsx, .xls or .csv through the one intake pipeline.</summary>
[RequestSizeLimit(UploadLimitBytes + UploadSizeLimit.FormOverheadBytes)]
[RequestFormLimits(MultipartBodyLengthLimit = UploadLimitBytes + UploadSizeLimit.FormOverheadBytes)]
public sealed class UploadModel(CatalogDefinition catalog, UploadJobs jobs, IConfiguration configuration, UiText text) : PageModel
{
    public const long UploadLimitBytes = 300L << 20;

    public Category? Category { get; private set; }
    public string? Error { get; private set; }

    [BindProperty]
    public IFormFile? Upload { get; set; }

    public IActionResult OnGet(string code) => Load(code) ? Page() : NotFound();

    public async Task<IActionResult> OnPostAsync(string code, CancellationToken cancellationToken)
    {
        if (!Load(code))
        {
            return NotFound();
        }

        if (Upload is null || Upload.Length == 0)
        {
            Error = text["upload.none"];
            return Page();
        }

        if (Upload.Length > UploadLimitBytes)
        {
            Error = UploadSizeLimit.TooLarge(text, Upload.Length);
            return Page();
        }

        // Spool to a file of its own (UploadJobs.CreateSpoolFile: readable by the app's user only): the importer streams it,
        // whatever its size. The import then runs in the background (UploadJobs), which owns the file from here on.
        string temp;
        UploadJob? job;
        string? refusal;
        await using (var target = jobs.CreateSpoolFile())
        {
            temp = target.Name;
            try
            {
                await Upload.CopyToAsync(target, cancellationToken);
            }
            catch
            {
                target.Close();
                System.IO.File.Delete(temp);
                throw;
            }
        }

        try
        {
            job = jobs.TryStart(temp, Path.GetFileName(Upload.FileName), User.FindFirstValue(Policies.UnitClaim)!, Category!.Code,
                $"account:{User.FindFirstValue(ClaimTypes.NameIdentifier)}", out refusal);
        }
        catch
        {
            System.IO.File.Delete(temp);
            throw;
        }

        if (job is null)
        {
            System.IO.File.Delete(temp);
            Error = text[refusal!];
            return Page();
        }

        // A big file waiting for its turn: its page shows its place in line, and sends the clerk on once it has started.
        if (job.Waiting)
        {
            return UploadPage(job);
        }

        // A file done within the wait is answered with its result; a bigger one goes on in the background, and its
        // batch page shows how far it has got. Leaving this request does not stop the import.
        var wait = TimeSpan.FromSeconds(configuration.GetValue("Intake:UploadWaitSeconds", 5.0));
        if (!job.Completion.IsCompleted && wait > TimeSpan.Zero)
        {
            await Task.WhenAny(job.Completion, Task.Delay(wait, cancellationToken));
        }

        // Its batch row not written within a moment: on SQLite another import may hold the write lock for its whole file.
        // The upload's own page says it is starting and moves on to the batch's page once the row is there.
        if (!job.Completion.IsCompleted && !job.Started.IsCompleted)
        {
            await Task.WhenAny(job.Started, Task.Delay(TimeSpan.FromSeconds(2), cancellationToken));
        }

        if (!job.Completion.IsCompleted && !job.Started.IsCompleted)
        {
            return UploadPage(job);
        }

        // Still running, or ended by a failure or a cancel (the app stopping) after its batch row was written: the
        // batch's page shows the progress, or says what happened and that nothing was stored.
        if (job.Completion.Status != TaskStatus.RanToCompletion && await job.Started is var started and > 0)
        {
            return LocalRedirect($"/unit/batches/{started}");
        }

        BatchResult result;
        try
        {
            result = await job.Completion;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !HttpContext.RequestAborted.IsCancellationRequested)
        {
            // Failed or cancelled before its batch row was written (e.g. the database stayed busy with another
            // batch past its wait): nothing was stored. UploadJobs has logged it.
            Error = text["upload.failed"];
            return Page();
        }

        if (result.BatchId == 0)
        {
            Error = string.Join(" ", result.Refusals.Select(r => r.Message(UiText.IsEnglish())));
            return Page();
        }

        return LocalRedirect($"/unit/batches/{result.BatchId}");
    }

    /// <summary>The upload's own page (<c>/unit/uploads/{id}</c>): its place in line, or that it is starting.</summary>
    private LocalRedirectResult UploadPage(UploadJob job) => LocalRedirect(Url.Page("/Unit/Queued", new { id = job.Id, category = Category!.Code })!);

    private bool Load(string code)
    {
        var unit = User.FindFirstValue(Policies.UnitClaim);
        Category = catalog.Find(code);
        return Category is not null && unit is not null && Category.ResponsibleUnits.Contains(unit, StringComparer.Ordinal);
    }
}
