using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Shangding.Core.Catalog;
using Shangding.Web.Access;
using Shangding.Web.Localization;
using Shangding.Web.Portal;

namespace Shangding.Web.Pages.Unit;

/// <summary>Batch upload (批量上传) of .xlsx, .xls or .csv through the one intake pipeline.</summary>
[RequestSizeLimit(UploadLimitBytes)]
[RequestFormLimits(MultipartBodyLengthLimit = UploadLimitBytes)]
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

        // Spool to a temporary file: the importer streams it, whatever its size. The import then runs in the
        // background (UploadJobs), which owns the file from here on.
        var temp = Path.Combine(Path.GetTempPath(), $"shangding-upload-{Guid.NewGuid():N}");
        UploadJob job;
        try
        {
            await using (var target = System.IO.File.Create(temp))
            {
                await Upload.CopyToAsync(target, cancellationToken);
            }

            job = jobs.Start(temp, Path.GetFileName(Upload.FileName), User.FindFirstValue(Policies.UnitClaim)!, Category!.Code,
                $"account:{User.FindFirstValue(ClaimTypes.NameIdentifier)}");
        }
        catch
        {
            System.IO.File.Delete(temp);
            throw;
        }

        // A file done within the wait is answered with its result; a bigger one goes on in the background, and its
        // batch page shows how far it has got. Leaving this request does not stop the import.
        var wait = TimeSpan.FromSeconds(configuration.GetValue("Intake:UploadWaitSeconds", 5.0));
        if (!job.Completion.IsCompleted && wait > TimeSpan.Zero)
        {
            await Task.WhenAny(job.Completion, Task.Delay(wait, cancellationToken));
        }

        if (!job.Completion.IsCompleted && await job.Started is var running and > 0)
        {
            return LocalRedirect($"/unit/batches/{running}");
        }

        var result = await job.Completion;
        if (result.BatchId == 0)
        {
            Error = string.Join(" ", result.Refusals.Select(r => r.Message(UiText.IsEnglish())));
            return Page();
        }

        return LocalRedirect($"/unit/batches/{result.BatchId}");
    }

    private bool Load(string code)
    {
        var unit = User.FindFirstValue(Policies.UnitClaim);
        Category = catalog.Find(code);
        return Category is not null && unit is not null && Category.ResponsibleUnits.Contains(unit, StringComparer.Ordinal);
    }
}
