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

        if (Label is { } label && label.Trim().Length > MaxLabelLength)
        {
            ModelState.AddModelError(nameof(Label), text.Format("fields.cred.label", MaxLabelLength));
        }

        if (ModelState.IsValid)
        {
            try
            {
                Issued = await credentials.CreateAsync(db, UnitCode!, null, string.IsNullOrWhiteSpace(Label) ? "API" : Label.Trim(),
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
