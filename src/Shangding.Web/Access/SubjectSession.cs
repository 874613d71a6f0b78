using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Access;
using Shangding.Core.Data;

namespace Shangding.Web.Access;

/// <summary>
/// The session of a credit subject signed in as itself — a resident after real-name verification, an
/// organisation after its business-licence check: the subject's own account (made on first sign-in, with
/// a random password nobody knows, so only the verifier opens it) and the cookie naming account and subject.
/// </summary>
public static class SubjectSession
{
    /// <summary>Signs the subject's own account in; false if that account is disabled (nothing is signed in).</summary>
    public static async Task<bool> SignInAsync(HttpContext http, ShangdingDbContext db, AccountService accounts, string role, Subject subject, string displayName,
        DateTime now, CancellationToken cancellationToken)
    {
        var prefix = role == Roles.Organisation ? "organisation-" : "citizen-";
        var account = await db.Accounts.FirstOrDefaultAsync(a => a.Role == role && a.SubjectId == subject.Id, cancellationToken);
        if (account is null)
        {
            // A first sign-in makes the account, so it waits for the write lock like any other write.
            account = await accounts.CreateAsync(db, prefix + subject.Id.ToString(CultureInfo.InvariantCulture), displayName, role,
                Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)), null, subject.Id, cancellationToken);
            account.LastSignInAt = now;
            await db.SaveChangesAsync(cancellationToken);
        }
        else if (account.Disabled)
        {
            return false;
        }
        else
        {
            // A returning subject's only write is the time: it does not wait behind a SQLite batch import.
            await AccountService.NoteSignInAsync(db, account, now, cancellationToken);
        }
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, account.Id.ToString(CultureInfo.InvariantCulture)),
            new(ClaimTypes.Name, account.DisplayName),
            new(ClaimTypes.Role, role),
            new(ActorResolver.SubjectClaim, subject.Id.ToString(CultureInfo.InvariantCulture)),
            new(Policies.SessionClaim, account.SessionVersion.ToString(CultureInfo.InvariantCulture)),
        };
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme,
            new ClaimsPrincipal(new ClaimsIdentity(claims, CookieAuthenticationDefaults.AuthenticationScheme)));
        return true;
    }
}
