using System.Globalization;
using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Shangding.Core.Access;
using Shangding.Core.Data;

namespace Shangding.Web.Access;

/// <summary>The access module's web side: query API credentials, rate limits, citizen and audit page authorization.</summary>
public static class AccessWeb
{
    public const string QueryScheme = "QueryApiKey";
    public const string QueryOrCookieScheme = "QueryApiKeyOrCookie";
    public const string CitizenPolicy = "access-citizen";

    /// <summary>A resident or an organisation signed in as itself (<see cref="Roles.Subjects"/>).</summary>
    public const string SubjectPolicy = "access-subject";
    public const string AuditPolicy = "access-audit";
    public const string SignInLimit = "access-signin";
    public const string QueryLimit = "access-query";
    public const string PublicSearchLimit = "access-public-search";
    public const string KeyClaim = "shangding:query-key";

    public static void AddShangdingAccessWeb(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, QueryApiKeyHandler>(QueryScheme, null)
            // The query API takes a query token or a signed-in session; an API answers 401, never a redirect to the sign-in page.
            .AddPolicyScheme(QueryOrCookieScheme, null, options =>
            {
                options.ForwardDefaultSelector = context =>
                    context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? QueryScheme : CookieAuthenticationDefaults.AuthenticationScheme;
                options.ForwardChallenge = QueryScheme;
                options.ForwardForbid = QueryScheme;
            });
        services.AddAuthorizationBuilder()
            .AddPolicy(CitizenPolicy, p => p.RequireRole(Roles.Citizen))
            .AddPolicy(SubjectPolicy, p => p.RequireRole(Roles.Citizen, Roles.Organisation))
            .AddPolicy(AuditPolicy, p => p.RequireRole(Roles.Operator, Roles.Auditor));
        if (DevelopmentRealNameVerifier.Enabled(configuration, builder.Environment))
        {
            services.AddSingleton<IRealNameVerifier, DevelopmentRealNameVerifier>();
            services.AddSingleton<IOrganisationVerifier, DevelopmentOrganisationVerifier>();
        }

        services.AddSingleton<ActorResolver>();
        if (configuration.GetValue("Jobs:Enabled", true))
        {
            services.AddHostedService<QueryLogCheckpointJob>();
        }

        services.AddSingleton(new QueryTiming(TimeSpan.FromMilliseconds(configuration.GetValue("Access:MinQueryMilliseconds", 150))));
        // PostConfigure: the Razor Pages setup replaces the convention collection during Configure.
        services.PostConfigure<RazorPagesOptions>(options =>
        {
            // Records and the query history are the subject's own, organisations' too; grants and the PIPL export are residents'.
            options.Conventions.AuthorizePage("/Me/Records", SubjectPolicy);
            options.Conventions.AuthorizePage("/Me/Queries", SubjectPolicy);
            options.Conventions.AuthorizePage("/Me/Grants", CitizenPolicy);
            options.Conventions.AuthorizePage("/Me/Export", CitizenPolicy);
            // Sign-in forms are rate-limited by client address (the staff form too).
            options.Conventions.AddPageApplicationModelConvention("/Account/SignIn", m => m.EndpointMetadata.Add(new EnableRateLimitingAttribute(SignInLimit)));
            options.Conventions.AddPageApplicationModelConvention("/Account/Citizen", m => m.EndpointMetadata.Add(new EnableRateLimitingAttribute(SignInLimit)));
            options.Conventions.AddPageApplicationModelConvention("/Account/Organisation", m => m.EndpointMetadata.Add(new EnableRateLimitingAttribute(SignInLimit)));
            options.Conventions.AddPageApplicationModelConvention("/Public/Lists", m => m.EndpointMetadata.Add(new EnableRateLimitingAttribute(PublicSearchLimit)));
        });
        services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = async (context, token) =>
            {
                context.HttpContext.Response.Headers.RetryAfter = "60";
                await Results.Problem(title: "请求过于频繁 / Too many requests",
                    detail: "请稍后再试（约一分钟）。 Please try again in about a minute.", statusCode: StatusCodes.Status429TooManyRequests)
                    .ExecuteAsync(context.HttpContext);
            };
            AddWindow(options, SignInLimit, configuration.GetValue("Access:RateLimits:SignInPerMinute", 20), signInOnlyPosts: true);
            AddWindow(options, QueryLimit, configuration.GetValue("Access:RateLimits:QueriesPerMinute", 120), signInOnlyPosts: false);
            AddWindow(options, PublicSearchLimit, configuration.GetValue("Access:RateLimits:PublicSearchesPerMinute", 30), signInOnlyPosts: true);
        });
    }

    /// <summary>A fixed one-minute window per caller: the signed-in account or API key, else the client address.</summary>
    private static void AddWindow(RateLimiterOptions options, string name, int permits, bool signInOnlyPosts) =>
        options.AddPolicy(name, context =>
        {
            if (signInOnlyPosts && !HttpMethods.IsPost(context.Request.Method))
            {
                return RateLimitPartition.GetNoLimiter("get");
            }

            var who = context.User.FindFirstValue(ClaimTypes.NameIdentifier) is { } id ? "account:" + id
                : "ip:" + (context.Connection.RemoteIpAddress?.ToString() ?? "local");
            return RateLimitPartition.GetFixedWindowLimiter(who, _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = permits,
                Window = TimeSpan.FromMinutes(1),
                QueueLimit = 0,
            });
        });

    /// <summary>Rate limiter and the access module's endpoints (after routing, authentication and authorization).</summary>
    public static void MapShangdingAccess(this WebApplication app)
    {
        app.UseRateLimiter();
        app.MapAccessEndpoints();
    }
}

/// <summary>The floor every query answer waits for, so "no such person" and "not allowed" take the same time as each other.</summary>
public sealed record QueryTiming(TimeSpan Minimum)
{
    public async Task PadAsync(System.Diagnostics.Stopwatch watch, CancellationToken cancellationToken)
    {
        var left = Minimum - watch.Elapsed;
        if (left > TimeSpan.Zero)
        {
            await Task.Delay(left, cancellationToken);
        }
    }
}

/// <summary>Turns the signed-in user or API caller into the policy's <see cref="AccessActor"/>.</summary>
public sealed class ActorResolver
{
    public const string SubjectClaim = "shangding:subject";

    public async Task<AccessActor> ResolveAsync(ClaimsPrincipal user, ShangdingDbContext db, CancellationToken cancellationToken)
    {
        if (user.Identity?.IsAuthenticated != true || !long.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), NumberStyles.None, CultureInfo.InvariantCulture, out var accountId))
        {
            return AccessActor.Anonymous;
        }

        // The account as stored now: a disabled account or a changed role counts at once.
        var account = await db.Accounts.AsNoTracking().FirstOrDefaultAsync(a => a.Id == accountId, cancellationToken);
        if (account is null || account.Disabled)
        {
            return AccessActor.Anonymous;
        }

        return new AccessActor(account.Role, account.Id, account.UnitCode, account.SubjectId, account.DisplayName);
    }
}

/// <summary>
/// Authenticates querying accounts' systems (third parties, government bodies) by their API token
/// (<c>Authorization: Bearer sdq_…</c>). The token never appears in logs.
/// </summary>
public sealed class QueryApiKeyHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    AccessCredentials credentials,
    ShangdingDbContext db) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer " + AccessCredentials.Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        var caller = await credentials.AuthenticateAsync(db, header["Bearer ".Length..].Trim(), Context.RequestAborted);
        if (caller is null)
        {
            return AuthenticateResult.Fail("The API token is not valid or has been revoked.");
        }

        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, caller.AccountId.ToString(CultureInfo.InvariantCulture)),
            new(ClaimTypes.Name, caller.Name),
            new(ClaimTypes.Role, caller.Role),
            new(AccessWeb.KeyClaim, caller.KeyId),
        };
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, AccessWeb.QueryScheme)), AccessWeb.QueryScheme));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        await Results.Problem(
            title: "需要查询凭证 / Query credential required",
            detail: "请在 Authorization 请求头中提供本机构的查询接口凭证（Bearer sdq_…），或先登录。 Send your organisation's query API token (Bearer sdq_…) in the Authorization header, or sign in.",
            statusCode: StatusCodes.Status401Unauthorized).ExecuteAsync(Context);
    }
}
