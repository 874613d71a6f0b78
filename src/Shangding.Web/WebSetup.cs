using System.Globalization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Localization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Shangding.Core;
using Shangding.Core.Access;
using Shangding.Core.Data;
using Shangding.Core.Demo;
using Shangding.Web.Access;
using Shangding.Web.Api;
using Shangding.Web.Localization;

namespace Shangding.Web;

public static class WebSetup
{
    public static void AddShangdingWeb(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddShangdingCore(builder.Configuration);
        services.AddSingleton(UiText.LoadFolder(Path.Combine(builder.Environment.ContentRootPath, "Resources")));
        services.AddProblemDetails();
        // A body or parameter the minimal APIs cannot bind throws in every environment (Production's default is a bare 400
        // with no body), so ApiErrors answers it with the bilingual problem saying where the JSON broke.
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        // Chinese text is sent as characters, not as &#x...; entities.
        services.Configure<Microsoft.Extensions.WebEncoders.WebEncoderOptions>(options =>
            options.TextEncoderSettings = new System.Text.Encodings.Web.TextEncoderSettings(System.Text.Unicode.UnicodeRanges.All));
        // The OpenAPI document, with the security schemes, enumerations and required members the generator cannot see.
        services.AddShangdingOpenApi();
        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(options =>
            {
                options.LoginPath = "/account/signin";
                options.LogoutPath = "/account/signout";
                options.AccessDeniedPath = "/account/denied";
                options.Cookie.Name = "shangding.auth";
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Lax;
                options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                options.ExpireTimeSpan = TimeSpan.FromHours(8);
                options.SlidingExpiration = true;
                // A disabled account, or one whose password was reset, loses its sessions at the next request.
                options.Events.OnValidatePrincipal = async context =>
                {
                    var id = context.Principal?.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)?.Value;
                    var version = context.Principal?.FindFirst(Policies.SessionClaim)?.Value ?? "0";
                    var db = context.HttpContext.RequestServices.GetRequiredService<ShangdingDbContext>();
                    if (!long.TryParse(id, CultureInfo.InvariantCulture, out var accountId)
                        || !int.TryParse(version, CultureInfo.InvariantCulture, out var sessionVersion)
                        || !await AccountService.SessionValidAsync(db, accountId, sessionVersion, context.HttpContext.RequestAborted))
                    {
                        context.RejectPrincipal();
                        await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
                    }
                };
            })
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, UnitApiKeyHandler>(UnitApiKeyHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Operator, p => p.RequireRole(Roles.Operator))
            .AddPolicy(Policies.UnitClerk, p => p.RequireRole(Roles.UnitClerk).RequireClaim(Policies.UnitClaim));
        services.AddSingleton<AccountService>();
        // Web uploads import in the background; the same instance cancels and waits for them when the app stops.
        services.AddSingleton<Portal.UploadJobs>();
        services.AddHostedService(sp => sp.GetRequiredService<Portal.UploadJobs>());
        builder.AddShangdingAccessWeb();
        Remedies.RemediesWeb.AddShangdingRemediesWeb(services, builder.Configuration);
        if (builder.Configuration.GetValue("Jobs:Enabled", true))
        {
            services.AddHostedService<DailyJobs>();
            services.AddHostedService<RescoreWorker>();
        }
        services.AddRazorPages(options =>
        {
            options.Conventions.AuthorizeFolder("/Unit", Policies.UnitClerk);
            options.Conventions.AuthorizeFolder("/Operator", Policies.Operator);
        });
        services.AddHealthChecks().AddDbContextCheck<ShangdingDbContext>("database");
        services.Configure<RequestLocalizationOptions>(options =>
        {
            var cultures = new[] { new CultureInfo(UiText.Chinese), new CultureInfo(UiText.English) };
            options.DefaultRequestCulture = new RequestCulture(UiText.Chinese);
            options.SupportedCultures = cultures;
            options.SupportedUICultures = cultures;
            // Chinese unless the user chose English: the switch in the header (a cookie) or ?culture=en.
            // The browser's Accept-Language is deliberately not consulted.
            options.RequestCultureProviders =
            [
                new QueryStringRequestCultureProvider(),
                new CookieRequestCultureProvider(),
            ];
        });
    }

    /// <summary>Applies migrations (<c>Database:MigrateOnStart</c>) and seeds demo data (<c>Demo:Seed</c>) into an empty database.</summary>
    public static async Task PrepareDatabaseAsync(this WebApplication app)
    {
        var configuration = app.Configuration;
        var logger = app.Logger;
        var settings = app.Services.GetRequiredService<DatabaseSettings>();
        var migrator = app.Services.GetRequiredService<SchemaMigrator>();
        try
        {
            if (configuration.GetValue<bool>("Database:MigrateOnStart"))
            {
                var report = await migrator.MigrateAsync();
                logger.LogInformation("Database {Database}: {Applied} migration(s) applied, {Already} already in place",
                    settings.Describe(), report.NewlyApplied.Count, report.AlreadyApplied.Count);
                foreach (var note in report.Notes)
                {
                    logger.LogInformation("Migration {Note}", note);
                }
            }
            else
            {
                await migrator.EnsureNotNewerAsync();
            }
        }
        catch (DatabaseNewerThanProgramException e)
        {
            // An older release on a database a newer one upgraded (a server left out of a rolling upgrade): it does not start.
            logger.LogCritical("Database {Database}: {Message}", settings.Describe(), e.Message);
            throw;
        }
        catch (System.Data.Common.DbException e) when (!configuration.GetValue<bool>("Database:MigrateOnStart"))
        {
            // Only the check could not be made (the database unreachable for now): the app starts, as it did before the check.
            logger.LogWarning(e, "Database {Database}: could not check the schema's version at start", settings.Describe());
        }

        // Batches this machine's previous run of the app (or a killed CLI import) left Running stored nothing: say so now.
        // Not a reason to stay down: on SQLite a CLI import may hold the write lock past the wait. The batch's page and
        // the daily job mark them later.
        try
        {
            var interrupted = await app.Services.GetRequiredService<Shangding.Core.Intake.IntakeService>()
                .SweepInterruptedAsync(TimeSpan.FromHours(6), app.Lifetime.ApplicationStopping);
            if (interrupted > 0)
            {
                logger.LogWarning("{Count} intake batch(es) left running by a stopped process were marked interrupted", interrupted);
            }
        }
        catch (System.Data.Common.DbException e)
        {
            logger.LogWarning(e, "Batches left running by a stopped process could not be marked interrupted now (the database was busy); their pages and the daily job will");
        }

        if (configuration.GetValue<bool>("Demo:Seed"))
        {
            await using var scope = app.Services.CreateAsyncScope();
            var context = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
            var persons = configuration.GetValue("Demo:Persons", 300);
            var report = await scope.ServiceProvider.GetRequiredService<DemoDataSeeder>().SeedAsync(context, persons, seed: 20190418, app.Lifetime.ApplicationStopping);
            if (report.Seeded)
            {
                logger.LogInformation("Demo data: {Persons} synthetic persons with {Records} records", report.Persons, report.Records);
            }

            if (report.Seeded)
            {
                // About two residents in three have opted in to the score.
                var scores = scope.ServiceProvider.GetRequiredService<Shangding.Core.Scoring.ScoreService>();
                var adults = await context.Subjects.Where(s => s.Kind == Shangding.Core.Catalog.SubjectKind.Person).OrderBy(s => s.Id).Select(s => s.Id).ToListAsync(app.Lifetime.ApplicationStopping);
                foreach (var id in adults.Where((_, i) => i % 3 != 0))
                {
                    await scores.OptInAsync(context, id, "demo", app.Lifetime.ApplicationStopping);
                }
            }

            await DemoAccounts.EnsureAsync(context, scope.ServiceProvider.GetRequiredService<AccountService>(), app.Lifetime.ApplicationStopping);
            await DemoCitizen.EnsureAsync(context, scope.ServiceProvider.GetRequiredService<AccountService>(), scope.ServiceProvider.GetRequiredService<Shangding.Core.Subjects.IdentityProtector>(), scope.ServiceProvider.GetRequiredService<TimeProvider>(), app.Lifetime.ApplicationStopping);
            if (!await AccessDemo.EnsureAsync(scope.ServiceProvider, context, app.Lifetime.ApplicationStopping))
            {
                logger.LogWarning("The demo citizen {Name} of this database was seeded under an earlier demo ID number, so the number the " +
                    "documentation prints does not sign in to it; delete the database file to seed the demo again", AccessDemo.CitizenName);
            }
        }
    }

    public static void UseShangdingWeb(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/Error");
            app.UseHsts();
        }

        app.UseRequestLocalization();
        // Pages answered with an error status and no body (a batch of another unit, a mistyped address) show a page of the
        // site in the reader's language (chosen above, from the original request); the API and other machine addresses
        // keep the problem+json answers.
        app.UseWhen(context => IsMachineAddress(context.Request.Path), api => api.UseStatusCodePages());
        app.UseWhen(context => !IsMachineAddress(context.Request.Path), pages => pages.UseStatusCodePagesWithReExecute("/status/{0}"));
        app.UseDatabaseBusyAnswer();
        app.UseApiErrors();
        Portal.UploadSizeLimit.UseUploadSizeLimit(app);
        app.UseStaticFiles();
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();

        app.MapOpenApi();
        app.MapHealthChecks("/health");
        app.MapPost("/language", SetLanguage).ExcludeFromDescription();
        app.MapCatalogEndpoints();
        app.MapRecordEndpoints();
        app.MapNilReportEndpoints();
        app.MapUnitEndpoints();
        app.MapShangdingAccess();
        app.MapRazorPages();
    }

    /// <summary>Addresses read by programs, not people: their error answers stay problem+json.</summary>
    private static bool IsMachineAddress(PathString path) =>
        path.StartsWithSegments("/api") || path.StartsWithSegments("/openapi") || path.StartsWithSegments("/health");

    /// <summary>The language switch: remembers the choice in a cookie and goes back to the page.</summary>
    private static RedirectHttpResult SetLanguage(HttpContext context, [FromForm] string culture, [FromForm] string? returnUrl)
    {
        var chosen = culture == UiText.English ? UiText.English : UiText.Chinese;
        context.Response.Cookies.Append(
            CookieRequestCultureProvider.DefaultCookieName,
            CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(chosen)),
            new CookieOptions { Expires = DateTimeOffset.UtcNow.AddYears(1), IsEssential = true, HttpOnly = true, SameSite = SameSiteMode.Lax });
        var target = !string.IsNullOrEmpty(returnUrl) && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//", StringComparison.Ordinal) ? returnUrl : "/";
        return TypedResults.LocalRedirect(target);
    }
}
