using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Access;
using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Web.Localization;

namespace Shangding.Web.Pages.Operator;

/// <summary>
/// Staff and organisation accounts: create (the first password is shown once), disable and enable
/// (sessions end and API tokens stop at once), reset a password, lift a lockout, and issue a query API
/// token to a third party or government body. Every change is audited. Residents' accounts are not here:
/// they come from real-name sign-in and belong to the residents.
/// </summary>
public sealed class AccountsModel(ShangdingDbContext db, AccountService accounts, AccessCredentials credentials, CatalogDefinition catalog, UiText text, TimeProvider clock) : PageModel
{
    public CatalogDefinition Catalog => catalog;
    public IReadOnlyList<Core.Data.Account> Accounts { get; private set; } = [];
    public Dictionary<long, int> ActiveTokens { get; private set; } = [];
    public Dictionary<string, string> FieldErrors { get; } = new(StringComparer.Ordinal);
    public string? Error { get; private set; }
    public string? Done { get; private set; }

    /// <summary>A password or token to hand over, shown on this response only.</summary>
    public (string Label, string Secret)? Secret { get; private set; }

    [BindProperty]
    public string? UserName { get; set; }

    [BindProperty]
    public string? DisplayName { get; set; }

    [BindProperty]
    public string? Role { get; set; }

    [BindProperty]
    public string? UnitCode { get; set; }

    [BindProperty]
    public long AccountId { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Show { get; set; }

    public Task OnGetAsync(CancellationToken cancellationToken) => LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostCreateAsync(CancellationToken cancellationToken)
    {
        try
        {
            var (account, password) = await accounts.CreateManagedAsync(db, catalog, UserName, DisplayName, Role, UnitCode, Actor, cancellationToken);
            Done = text.Format("accounts.created", account.UserName);
            Secret = (text.Format("accounts.password", account.UserName), password);
            UserName = DisplayName = Role = UnitCode = null;
        }
        catch (AccountFieldException ex)
        {
            FieldErrors[ex.Field] = UiText.Pick(ex.MessageZh, ex.MessageEn);
        }

        await LoadAsync(cancellationToken);
        return Page();
    }

    public Task<IActionResult> OnPostDisableAsync(CancellationToken cancellationToken) =>
        ActAsync(async () => text.Format("accounts.disabled", (await accounts.SetDisabledAsync(db, AccountId, true, Me, Actor, cancellationToken)).UserName), cancellationToken);

    public Task<IActionResult> OnPostEnableAsync(CancellationToken cancellationToken) =>
        ActAsync(async () => text.Format("accounts.enabled", (await accounts.SetDisabledAsync(db, AccountId, false, Me, Actor, cancellationToken)).UserName), cancellationToken);

    public Task<IActionResult> OnPostUnlockAsync(CancellationToken cancellationToken) =>
        ActAsync(async () => text.Format("accounts.unlocked", (await accounts.UnlockAsync(db, AccountId, Actor, cancellationToken)).UserName), cancellationToken);

    public Task<IActionResult> OnPostResetAsync(CancellationToken cancellationToken) =>
        ActAsync(async () =>
        {
            var (account, password) = await accounts.ResetPasswordAsync(db, AccountId, Actor, cancellationToken);
            Secret = (text.Format("accounts.password", account.UserName), password);
            return text.Format("accounts.reset", account.UserName);
        }, cancellationToken);

    public Task<IActionResult> OnPostTokenAsync(CancellationToken cancellationToken) =>
        ActAsync(async () =>
        {
            var (keyId, token) = await credentials.CreateAsync(db, AccountId, "web", Actor, cancellationToken);
            Secret = (text.Format("accounts.token", keyId), token);
            return text.Format("accounts.tokenIssued", keyId);
        }, cancellationToken);

    public string UnitName(string? code) =>
        code is null ? "—" : catalog.FindUnit(code) is { } unit ? UiText.Pick(unit.NameZh, unit.NameEn) : code;

    public bool Locked(Core.Data.Account account) => account.LockedUntil is { } until && until > clock.GetUtcNow().UtcDateTime;

    public long Me => long.Parse(User.FindFirstValue(ClaimTypes.NameIdentifier)!, CultureInfo.InvariantCulture);

    private string Actor => $"account:{Me}";

    private async Task<IActionResult> ActAsync(Func<Task<string>> action, CancellationToken cancellationToken)
    {
        try
        {
            Done = await action();
        }
        catch (AccessException ex)
        {
            Error = UiText.Pick(ex.MessageZh, ex.MessageEn);
        }

        await LoadAsync(cancellationToken);
        return Page();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var query = db.Accounts.AsNoTracking().Where(a => a.Role != Roles.Citizen && a.Role != Roles.Organisation);
        if (!string.IsNullOrEmpty(Show) && AccountService.ManagedRoles.Contains(Show))
        {
            query = query.Where(a => a.Role == Show);
        }

        Accounts = await query.OrderBy(a => a.Role).ThenBy(a => a.UserName).ToListAsync(cancellationToken);
        ActiveTokens = await db.AccessCredentials.AsNoTracking().Where(c => c.RevokedAt == null)
            .GroupBy(c => c.AccountId).Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(x => x.Key, x => x.Count, cancellationToken);
    }
}
