using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Shangding.Core.Access;
using Shangding.Core.Data;
using Shangding.Web.Access;
using Shangding.Web.Localization;

namespace Shangding.Web.Pages.Account;

/// <summary>
/// What the two sign-ins of a credit subject share — a resident's real-name check, an organisation's
/// business-licence check: the name and verification code fields, where to go afterwards, whether a
/// verifier is registered (and whether it is the development one), and the session once verified.
/// </summary>
/// <param name="verifierIsDevelopmentOnly">The registered verifier's <c>IsDevelopmentOnly</c>; null when none is registered.</param>
public abstract class VerifiedSignInModel(bool? verifierIsDevelopmentOnly) : PageModel
{
    [BindProperty]
    public string? Name { get; set; }

    [BindProperty]
    public string? Code { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string? Error { get; private set; }

    /// <summary>False without a verifier: the page says sign-in is not available and shows no form.</summary>
    public bool Available => verifierIsDevelopmentOnly is not null;

    public bool DevelopmentOnly => verifierIsDevelopmentOnly == true;

    public void OnGet()
    {
    }

    /// <summary>Signs the subject's own account in and goes on to <see cref="ReturnUrl"/> (or <paramref name="landing"/>); a disabled account stays on the page with the reason.</summary>
    protected async Task<IActionResult> SignInAsync(ShangdingDbContext db, AccountService accounts, string role, Subject subject, string name, DateTime now,
        string landing, CancellationToken cancellationToken)
    {
        if (!await SubjectSession.SignInAsync(HttpContext, db, accounts, role, subject, name, now, cancellationToken))
        {
            Error = UiText.Pick("该账户已停用，请联系市信用中心。", "This account is disabled; please contact the Credit Centre.");
            return Page();
        }

        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl! : landing);
    }
}
