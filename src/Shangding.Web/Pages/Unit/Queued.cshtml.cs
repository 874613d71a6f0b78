using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Shangding.Core.Catalog;
using Shangding.Web.Access;
using Shangding.Web.Localization;
using Shangding.Web.Portal;

namespace Shangding.Web.Pages.Unit;

/// <summary>
/// A big file waiting in line for its import (<see cref="UploadJobs"/>): its place, and a way out of the line. Once its
/// import has written its batch row the page sends the clerk on to the batch's page.
/// </summary>
public sealed class QueuedModel(UploadJobs jobs, CatalogDefinition catalog, UiText text) : PageModel
{
    public const int RefreshSeconds = 2;

    public UploadJob? Job { get; private set; }

    public Category? Category { get; private set; }

    /// <summary>1 for the first file in line, while this one waits.</summary>
    public int? Place { get; private set; }

    /// <summary>What became of an upload that ended without a batch to show (cancelled in line, refused, failed).</summary>
    public string? Outcome { get; private set; }

    public IActionResult OnGet(string id, string? category)
    {
        Job = jobs.FindUpload(id, User.FindFirstValue(Policies.UnitClaim)!);
        Category = category is null ? null : catalog.Find(category);
        if (Job is null)
        {
            Response.StatusCode = StatusCodes.Status404NotFound;
            Outcome = text["upload.queue.gone"];
            return Page();
        }

        Place = jobs.PlaceOf(Job);
        if (Place is not null)
        {
            return Page();
        }

        if (Job.Started.IsCompletedSuccessfully && Job.Started.Result > 0)
        {
            return LocalRedirect($"/unit/batches/{Job.Started.Result}");
        }

        var completion = Job.Completion;
        if (!completion.IsCompleted)
        {
            // Its turn has come: its batch row is on its way.
            return Page();
        }

        if (completion.IsCompletedSuccessfully && completion.Result.BatchId > 0)
        {
            return LocalRedirect($"/unit/batches/{completion.Result.BatchId}");
        }

        Outcome = completion.IsCanceled ? text["upload.queue.cancelled"]
            : completion.IsFaulted ? text["upload.failed"]
            : string.Join(" ", completion.Result.Refusals.Select(r => r.Message(UiText.IsEnglish())));
        return Page();
    }

    /// <summary>Takes the unit's file out of the line (or cancels its import, should its turn have come meanwhile).</summary>
    public async Task<IActionResult> OnPostCancelAsync(string id, string? category)
    {
        if (jobs.FindUpload(id, User.FindFirstValue(Policies.UnitClaim)!) is { } job)
        {
            job.Cancel();
            // A file in line leaves it at once; the page then says so rather than "cancelling".
            await Task.WhenAny(job.Completion, Task.Delay(TimeSpan.FromSeconds(2)));
        }

        return LocalRedirect(Url.Page("/Unit/Queued", new { id, category })!);
    }
}
