using System.Net;
using AngleSharp.Html.Parser;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Shangding.Core.Access;
using Shangding.Core.Data;
using Shangding.Core.Subjects;
using Shangding.Web.Access;
using Shangding.Web.Tests.Infrastructure;

namespace Shangding.Web.Tests.Access;

/// <summary>
/// Citizen sign-in (003 §18) outside the demo: the development real-name verifier never runs in
/// Production, without a real verifier the page says sign-in is not available, and a name that does
/// not match the one on file is refused.
/// </summary>
public sealed class CitizenSignInTests(ShangdingWebFactory factory) : IClassFixture<ShangdingWebFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The setting as an operator writes it (docs/ACCESS.md).</summary>
    private const string DevelopmentVerifierSetting = "Access:DevelopmentRealNameVerifier";

    private static Dictionary<string, string> DemoCitizen(string? name = null) => new()
    {
        ["Name"] = name ?? AccessDemo.CitizenName,
        ["IdNumber"] = AccessDemo.CitizenId,
        ["Code"] = DevelopmentRealNameVerifier.Code,
    };

    private static async Task<int> CitizenAccountsAsync(WebApplicationFactory<Program> app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ShangdingDbContext>().Accounts.CountAsync(a => a.Role == Roles.Citizen, Ct);
    }

    [Fact]
    public async Task InProduction_WithoutARealVerifier_CitizenSignInIsNotAvailable_AndNobodyGetsIn()
    {
        using var production = ShangdingWebFactory.In("Production");
        var client = new FormClient(production.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true }));
        production.Services.GetService<IRealNameVerifier>().ShouldBeNull();

        var page = new HtmlParser().ParseDocument(await client.Http.GetStringAsync("/account/citizen", Ct));
        page.QuerySelector("[role=alert]")!.TextContent.ShouldContain("市民实名登录暂未开通");
        page.QuerySelector("form input[name=IdNumber]").ShouldBeNull();
        page.Body!.TextContent.ShouldNotContain(DevelopmentRealNameVerifier.Code); // no development code printed
        var english = new HtmlParser().ParseDocument(await client.Http.GetStringAsync("/account/citizen?culture=en", Ct));
        english.QuerySelector("[role=alert]")!.TextContent.ShouldContain("Citizen sign-in is not available");

        // Posting the demo citizen with the development code anyway (antiforgery token from the staff form) signs nobody in.
        var before = await CitizenAccountsAsync(production);
        var posted = await client.PostFormAsync("/account/citizen", DemoCitizen(), Ct, formPage: "/account/signin");
        posted.StatusCode.ShouldBe(HttpStatusCode.OK);
        posted.Headers.TryGetValues("Set-Cookie", out var cookies);
        (cookies ?? []).ShouldNotContain(c => c.StartsWith("shangding.auth=", StringComparison.Ordinal));
        (await client.Http.GetAsync("/me/records", Ct)).Headers.Location!.OriginalString.ShouldContain("/account/signin");
        (await CitizenAccountsAsync(production)).ShouldBe(before);
    }

    [Fact]
    public void InProduction_TheDevelopmentVerifierSwitchedOn_StopsTheAppAtStart()
    {
        using var production = ShangdingWebFactory.In("Production", new Dictionary<string, string?> { [DevelopmentVerifierSetting] = "true" });
        var error = Should.Throw<Exception>(() => production.CreateClient());
        var messages = new List<string>();
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            messages.Add(e.Message);
        }

        messages.ShouldContain(m => m.Contains(DevelopmentVerifierSetting, StringComparison.Ordinal) && m.Contains("never allowed in Production", StringComparison.Ordinal));
    }

    [Fact]
    public async Task OutsideDevelopment_TheVerifierIsOffByDefault_AndAnExplicitOptInIsMarkedAsDevelopmentOnly()
    {
        using (var staging = ShangdingWebFactory.In("Staging"))
        {
            staging.Services.GetService<IRealNameVerifier>().ShouldBeNull();
        }

        using var training = ShangdingWebFactory.In("Staging", new Dictionary<string, string?> { [DevelopmentVerifierSetting] = "true" });
        training.Services.GetRequiredService<IRealNameVerifier>().IsDevelopmentOnly.ShouldBeTrue();
        var page = new HtmlParser().ParseDocument(await training.CreateClient().GetStringAsync("/account/citizen", Ct));
        page.QuerySelector("[role=note]")!.TextContent.ShouldContain("开发环境专用");
        page.QuerySelector("form input[name=IdNumber]").ShouldNotBeNull();

        // And the development default stays as the README describes: on, marked, with its code.
        factory.Services.GetRequiredService<IRealNameVerifier>().ShouldBeOfType<DevelopmentRealNameVerifier>();
        var demo = new HtmlParser().ParseDocument(await factory.CreateClient().GetStringAsync("/account/citizen", Ct));
        demo.QuerySelector("[role=note]")!.TextContent.ShouldContain(DevelopmentRealNameVerifier.Code);
    }

    [Fact]
    public async Task ANameThatDoesNotMatchTheOneOnFile_IsRefusedWithAClearMessage_AndNotSignedIn()
    {
        var client = new FormClient(factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true }));
        var before = await CitizenAccountsAsync(factory);

        var refused = await client.PostFormAsync("/account/citizen", DemoCitizen("王大明"), Ct);

        refused.StatusCode.ShouldBe(HttpStatusCode.OK); // the form again, not the redirect into /me
        var page = new HtmlParser().ParseDocument(await refused.Content.ReadAsStringAsync(Ct));
        page.QuerySelector("#Name-error")!.TextContent.ShouldContain("姓名与该身份证号码在平台登记的姓名不一致"); // beside the name
        page.Body!.InnerHtml.ShouldNotContain(AccessDemo.CitizenId); // the ID number is not echoed back
        (await client.Http.GetAsync("/me/records", Ct)).Headers.Location!.OriginalString.ShouldContain("/account/signin");
        var english = await client.PostFormAsync("/account/citizen?culture=en", DemoCitizen("Wang Daming"), Ct);
        new HtmlParser().ParseDocument(await english.Content.ReadAsStringAsync(Ct)).QuerySelector("#Name-error")!.TextContent
            .ShouldContain("does not match the name on file");

        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
            var hash = scope.ServiceProvider.GetRequiredService<IdentityProtector>().LookupHash(AccessDemo.CitizenId);
            var subject = await db.Subjects.AsNoTracking().SingleAsync(s => s.IdHash == hash, Ct);
            (subject.Name, subject.NameConflict).ShouldBe((AccessDemo.CitizenName, false)); // nothing about the subject changed
        }

        (await CitizenAccountsAsync(factory)).ShouldBe(before);

        // The right name signs in.
        var signedIn = await client.PostFormAsync("/account/citizen", DemoCitizen(), Ct);
        (signedIn.StatusCode, signedIn.Headers.Location?.OriginalString).ShouldBe((HttpStatusCode.Redirect, "/me/records"));
    }

    [Fact]
    public async Task AReturningCitizen_SignsInAtOnce_WhileASqliteBatchHoldsTheWriteLock()
    {
        // An app of its own: the held write lock must not stall the other tests' factory.
        using var app = new ShangdingWebFactory();
        var client = new FormClient(app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true }));
        var first = await client.PostFormAsync("/account/citizen", DemoCitizen(), Ct);
        (first.StatusCode, first.Headers.Location?.OriginalString).ShouldBe((HttpStatusCode.Redirect, "/me/records"));
        var firstSignIn = (await DemoCitizenAccountAsync(app)).LastSignInAt;
        firstSignIn.ShouldNotBeNull();

        // A batch import holds SQLite's write lock from its first rows to its commit (twenty seconds a million rows);
        // here another connection holds it.
        await using var holder = new Microsoft.Data.Sqlite.SqliteConnection(
            new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder { DataSource = app.DatabaseFile }.ToString());
        await holder.OpenAsync(Ct);
        await using (var begin = holder.CreateCommand())
        {
            begin.CommandText = "BEGIN IMMEDIATE";
            await begin.ExecuteNonQueryAsync(Ct);
        }

        var again = new FormClient(app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true }));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var signedIn = await again.PostFormAsync("/account/citizen", DemoCitizen(), Ct);
        (signedIn.StatusCode, signedIn.Headers.Location?.OriginalString).ShouldBe((HttpStatusCode.Redirect, "/me/records"));
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(10)); // not the 30 s a write waits for the lock
        await using (var rollback = holder.CreateCommand())
        {
            rollback.CommandText = "ROLLBACK";
            await rollback.ExecuteNonQueryAsync(Ct);
        }

        // The session works (the records page logs its self-query, a write that does wait for an import's lock).
        (await again.Http.GetAsync("/me/records", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);

        // The time waits for the next sign-in; nothing else about the account changed.
        (await DemoCitizenAccountAsync(app)).LastSignInAt.ShouldBe(firstSignIn);
    }

    private static async Task<Account> DemoCitizenAccountAsync(WebApplicationFactory<Program> app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
        var hash = scope.ServiceProvider.GetRequiredService<IdentityProtector>().LookupHash(AccessDemo.CitizenId);
        var subject = await db.Subjects.AsNoTracking().SingleAsync(s => s.IdHash == hash, Ct);
        return await db.Accounts.AsNoTracking().SingleAsync(a => a.Role == Roles.Citizen && a.SubjectId == subject.Id, Ct);
    }
}
