using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Core.Intake;
using Shangding.Web.Localization;

namespace Shangding.Web.Pages.Operator;

/// <summary>API credentials of reporting units (系统对接): issue (the token is shown once), list, revoke.</summary>
public sealed class CredentialsModel(CatalogDefinition catalog, ShangdingDbContext db, UnitCredentials credentials, UiText text) : PageModel
{
    public CatalogDefinition Catalog => catalog;
    public IReadOnlyList<UnitCredential> Credentials { get; private set; } = [];
    public IssuedCredential? Issued { get; private set; }

    [BindProperty]
    public string? UnitCode { get; set; }

    [BindProperty]
    public string? Label { get; set; }

    [BindProperty]
    public string? KeyId { get; set; }

    /// <summary>The categories the token may furnish, as codes (comma, space or 、 between them); empty: all of the unit's.</summary>
    [BindProperty]
    public string? Categories { get; set; }

    /// <summary>The codes of <see cref="Categories"/>.</summary>
    public static IReadOnlyList<string> CategoryCodes(string? text) =>
        (text ?? "").Split([',', '，', '、', ' ', ';', '；'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(c => c.ToUpperInvariant()).Distinct(StringComparer.Ordinal).ToList();

    public Task OnGetAsync(CancellationToken cancellationToken) => LoadAsync(cancellationToken);

    public const int MaxLabelLength = 100;

    public async Task<IActionResult> OnPostCreateAsync(CancellationToken cancellationToken)
    {
        // Each error beside its field, in the page's language.
        ModelState.Clear();
        if (UnitCode is null || !Catalog.CategoriesOfUnit(UnitCode).Any())
        {
            ModelState.AddModelError(nameof(UnitCode), text["fields.cred.unit"]);
        }

        var scope = CategoryCodes(Categories);
        if (UnitCode is not null && scope.Count > 0)
        {
            var own = Catalog.CategoriesOfUnit(UnitCode).Select(c => c.Code).ToHashSet(StringComparer.Ordinal);
            var outside = scope.Where(c => !own.Contains(c)).ToList();
            if (outside.Count > 0)
            {
                ModelState.AddModelError(nameof(Categories), UiText.Pick(
                    $"该单位不报送以下类别：{string.Join("、", outside)}。可填：{string.Join("、", own.Order(StringComparer.Ordinal))}（留空即全部）。",
                    $"The unit does not furnish {string.Join(", ", outside)}. It furnishes {string.Join(", ", own.Order(StringComparer.Ordinal))} (leave empty for all)."));
            }
        }

        if (Label is { } label && label.Trim().Length > MaxLabelLength)
        {
            ModelState.AddModelError(nameof(Label), text.Format("fields.cred.label", MaxLabelLength));
        }

        if (ModelState.IsValid)
        {
            try
            {
                Issued = await credentials.CreateAsync(db, UnitCode!, scope.Count > 0 ? scope : null, string.IsNullOrWhiteSpace(Label) ? "API" : Label.Trim(),
                    $"account:{User.FindFirstValue(ClaimTypes.NameIdentifier)}", cancellationToken);
            }
            catch (ArgumentException)
            {
                // The unit was checked above; the catalogue is the same one, so this is only a safety net.
                ModelState.AddModelError(nameof(UnitCode), text["fields.cred.unit"]);
            }
        }

        await LoadAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostRevokeAsync(CancellationToken cancellationToken)
    {
        await credentials.RevokeAsync(db, KeyId ?? "", cancellationToken);
        return RedirectToPage();
    }

    private async Task LoadAsync(CancellationToken cancellationToken) =>
        Credentials = await db.UnitCredentials.AsNoTracking().OrderBy(c => c.UnitCode).ThenByDescending(c => c.CreatedAt).ToListAsync(cancellationToken);
}
