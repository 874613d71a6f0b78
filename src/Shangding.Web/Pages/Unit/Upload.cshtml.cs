using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Shangding.Core.Catalog;
using Shangding.Core.Intake;
using Shangding.Web.Access;
using Shangding.Web.Localization;

namespace Shangding.Web.Pages.Unit;

/// <summary>Batch upload (批量上传) of .xlsx, .xls or .csv through the one intake pipeline.</summary>
[RequestSizeLimit(UploadLimitBytes)]
[RequestFormLimits(MultipartBodyLengthLimit = UploadLimitBytes)]
public sealed class UploadModel(CatalogDefinition catalog, FileImport import, UiText text) : PageModel
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

        // Spool to a temporary file: the importer streams it, whatever its size.
        var temp = Path.Combine(Path.GetTempPath(), $"shangding-upload-{Guid.NewGuid():N}");
        try
        {
            await using (var target = System.IO.File.Create(temp))
            {
                await Upload.CopyToAsync(target, cancellationToken);
            }

            await using var stream = System.IO.File.OpenRead(temp);
            var unit = User.FindFirstValue(Policies.UnitClaim)!;
            var result = await import.RunAsync(stream, Path.GetFileName(Upload.FileName), unit, Category!.Code,
                $"account:{User.FindFirstValue(ClaimTypes.NameIdentifier)}", null, cancellationToken);
            if (result.BatchId == 0)
            {
                Error = string.Join(" ", result.Refusals.Select(r => r.Message(UiText.IsEnglish())));
                return Page();
            }

            return LocalRedirect($"/unit/batches/{result.BatchId}");
        }
        finally
        {
            System.IO.File.Delete(temp);
        }
    }

    private bool Load(string code)
    {
        var unit = User.FindFirstValue(Policies.UnitClaim);
        Category = catalog.Find(code);
        return Category is not null && unit is not null && Category.ResponsibleUnits.Contains(unit, StringComparer.Ordinal);
    }
}
