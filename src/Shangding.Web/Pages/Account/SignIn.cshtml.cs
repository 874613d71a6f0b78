using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Shangding.Core.Access;
using Shangding.Core.Data;
using Shangding.Web.Access;
using Shangding.Web.Localization;

namespace Shangding.Web.Pages.Account;

public sealed class SignInModel(AccountService accounts, ShangdingDbContext db, UiText text) : PageModel
{
    [BindProperty]
    public string? UserName { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string? Error { get; private set; }
    public string? UserNameError { get; private set; }
    public string? PasswordError { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(UserName))
        {
            UserNameError = text["signin.user.required"];
        }

        if (string.IsNullOrEmpty(Password))
        {
            PasswordError = text["signin.password.required"];
        }

        if (UserNameError is not null || PasswordError is not null)
        {
            return Page();
        }

        var result = await accounts.SignInAsync(db, UserName!, Password!, cancellationToken);
        switch (result.Outcome)
        {
            case SignInOutcome.Success:
                break;
            case SignInOutcome.LockedOut:
                Error = text.Format("signin.locked", Shangding.Web.Portal.ChinaTime.Of(result.LockedUntil!.Value).ToString("HH:mm", CultureInfo.InvariantCulture));
                return Page();
            case SignInOutcome.Disabled:
                Error = text["signin.disabled"];
                return Page();
            default:
                Error = text["signin.wrong"];
                return Page();
        }

        var account = result.Account!;
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, account.Id.ToString(CultureInfo.InvariantCulture)),
            new(ClaimTypes.Name, account.DisplayName),
            new(ClaimTypes.Role, account.Role),
            new(Policies.SessionClaim, account.SessionVersion.ToString(CultureInfo.InvariantCulture)),
        };
        if (account.UnitCode is not null)
        {
            claims.Add(new Claim(Policies.UnitClaim, account.UnitCode));
        }

        await HttpContext.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme,
            new ClaimsPrincipal(new ClaimsIdentity(claims, CookieAuthenticationDefaults.AuthenticationScheme)));
        if (Url.IsLocalUrl(ReturnUrl))
        {
            return LocalRedirect(ReturnUrl);
        }

        return LocalRedirect(account.Role switch
        {
            Roles.UnitClerk => "/unit",
            Roles.Operator => "/operator",
            Roles.Citizen => "/me",
            _ => "/",
        });
    }

    public async Task<IActionResult> OnPostSignOutAsync()
    {
        await HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return LocalRedirect("/");
    }
}
