using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Shangding.Core.Data;
using Shangding.Core.Intake;

namespace Shangding.Web.Api;

/// <summary>
/// Authenticates reporting units' systems by their API token (<c>Authorization: Bearer sd_…</c>).
/// The token never appears in logs; a failed attempt says only that the token is not valid.
/// </summary>
public sealed class UnitApiKeyHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    UnitCredentials credentials,
    ShangdingDbContext db) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "UnitApiKey";
    public const string UnitClaim = "shangding:unit";
    public const string KeyClaim = "shangding:key";
    public const string CategoryClaim = "shangding:category";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        var caller = await credentials.AuthenticateAsync(db, header["Bearer ".Length..].Trim(), Context.RequestAborted);
        if (caller is null)
        {
            return AuthenticateResult.Fail("The API token is not valid or has been revoked.");
        }

        var claims = new List<Claim> { new(UnitClaim, caller.UnitCode), new(KeyClaim, caller.KeyId), new(ClaimTypes.Role, "unit-system") };
        claims.AddRange(caller.Categories.Select(c => new Claim(CategoryClaim, c)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        await Results.Problem(
            title: "API token required / 需要接口凭证",
            detail: "请在 Authorization 请求头中提供本单位的接口凭证（Bearer sd_…）；凭证由市信用中心签发。 Send your unit's API token in the Authorization header (Bearer sd_…); the Credit Centre issues tokens.",
            statusCode: StatusCodes.Status401Unauthorized).ExecuteAsync(Context);
    }
}
