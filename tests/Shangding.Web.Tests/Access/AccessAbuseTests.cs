using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Shangding.Core.Access;
using Shangding.Testing;
using Shangding.Web.Access;
using Shangding.Web.Tests.Infrastructure;
using static Shangding.Web.Tests.Access.AccessTestSupport;

namespace Shangding.Web.Tests.Access;

/// <summary>Rate limits on sign-in, public search and the query API; and no ID number in any log line of a whole run.</summary>
public sealed partial class AccessAbuseTests(ShangdingWebFactory factory) : IClassFixture<ShangdingWebFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private WebApplicationFactory<Program> Limited(int perMinute) => factory.WithWebHostBuilder(b =>
    {
        b.UseSetting("Access:RateLimits:SignInPerMinute", perMinute.ToString(System.Globalization.CultureInfo.InvariantCulture));
        b.UseSetting("Access:RateLimits:QueriesPerMinute", perMinute.ToString(System.Globalization.CultureInfo.InvariantCulture));
        b.UseSetting("Access:RateLimits:PublicSearchesPerMinute", perMinute.ToString(System.Globalization.CultureInfo.InvariantCulture));
        b.UseSetting("Access:MinQueryMilliseconds", "0");
    });

    [Fact]
    public async Task SignIn_PublicSearch_AndQueries_AreRateLimited()
    {
        await using var limited = Limited(3);
        var client = limited.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            statuses.Add((await client.PostAsJsonAsync("/api/v1/public/search", new { name = "张三", idNumber = TestPlatform.ResidentId(new DateOnly(1980, 1, 1), i) }, Ct)).StatusCode);
        }

        statuses.ShouldBe([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests]);

        var signIn = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            var page = await client.GetStringAsync("/account/signin", Ct);
            var token = TokenRegex().Match(page).Groups[1].Value;
            signIn.Add((await client.PostAsync("/account/signin", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["UserName"] = "operator", ["Password"] = "wrong-password-" + i, ["__RequestVerificationToken"] = token,
            }), Ct)).StatusCode);
        }

        signIn[^1].ShouldBe(HttpStatusCode.TooManyRequests);
        signIn.Take(3).ShouldAllBe(s => s == HttpStatusCode.OK);

        var bank = limited.CreateClient();
        bank.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await TokenFor(limited, "bank", Ct));
        var queries = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            queries.Add((await Query(bank, "level", "SDG-0000-0000-0000-0000", ct: Ct)).StatusCode);
        }

        queries.ShouldBe([HttpStatusCode.Forbidden, HttpStatusCode.Forbidden, HttpStatusCode.Forbidden, HttpStatusCode.TooManyRequests]);
    }

    [Fact]
    public async Task ARunOfEveryAccessPath_WritesNoIdNumberToTheLog()
    {
        var lines = new ConcurrentQueue<string>();
        await using var logged = factory.WithWebHostBuilder(b => b.ConfigureLogging(l =>
        {
            l.SetMinimumLevel(LogLevel.Trace);
            l.AddProvider(new Collector(lines));
        }));
        var stranger = TestPlatform.ResidentId(new DateOnly(1966, 6, 6), 606);

        // Citizen sign-in (ID in the form), self-query, grant, export; third-party and government queries (ID in JSON);
        // public search; an operator searching the log by ID; a failed citizen sign-in with a stranger's ID.
        var citizen = new FormClient(logged.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = true }));
        await citizen.PostFormAsync("/account/citizen", new() { ["Name"] = AccessDemo.CitizenName, ["IdNumber"] = AccessDemo.CitizenId, ["Code"] = DevelopmentRealNameVerifier.Code }, Ct);
        await citizen.Http.GetStringAsync("/me/records", Ct);
        var code = await GrantOn(citizen, logged);
        await citizen.PostFormAsync("/me/export", new(), Ct);
        var failed = new FormClient(logged.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = true }));
        await failed.PostFormAsync("/account/citizen", new() { ["Name"] = "张三", ["IdNumber"] = stranger, ["Code"] = "000000" }, Ct);

        var bank = logged.CreateClient();
        bank.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await TokenFor(logged, "bank", Ct));
        await Query(bank, "level", code, ct: Ct);
        await Query(bank, "report", code, subject: Subject(stranger, "张三"), ct: Ct);
        var police = logged.CreateClient();
        police.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await TokenFor(logged, "police", Ct));
        await Query(police, "report", letter: "郑公函〔2026〕9号", ct: Ct);
        await logged.CreateClient().PostAsJsonAsync("/api/v1/public/search", new { name = AccessDemo.CitizenName, idNumber = AccessDemo.CitizenId }, Ct);
        var op = new FormClient(logged.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = true }));
        await op.PostFormAsync("/account/signin", new() { ["UserName"] = "operator", ["Password"] = DemoAccounts.Password }, Ct);
        await op.PostFormAsync("/operator/query-log", new() { ["SubjectId"] = AccessDemo.CitizenId }, Ct);
        // Staff searches by a mistyped number, told what is wrong with it (IdentifierSearch): the number is not logged either.
        var typo = stranger[..17] + (stranger[17] == '1' ? "2" : "1");
        await op.PostFormAsync("/operator/query-log", new() { ["SubjectId"] = typo }, Ct);
        var clerk = new FormClient(logged.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = true }));
        await clerk.PostFormAsync("/account/signin", new() { ["UserName"] = "water", ["Password"] = DemoAccounts.Password }, Ct);
        await clerk.PostFormAsync("/unit/records", new() { ["IdNumber"] = typo }, Ct);
        await clerk.PostFormAsync("/unit/records", new() { ["IdNumber"] = stranger[..17] }, Ct);

        lines.Count.ShouldBeGreaterThan(20);
        var all = string.Join("\n", lines);
        all.ShouldNotContain(AccessDemo.CitizenId);
        all.ShouldNotContain(stranger);
        all.ShouldNotContain(typo);
        all.ShouldNotContain(stranger[..17]);
        // Nor any other resident ID number (18 characters: 17 digits and a digit or X).
        IdRegex().Matches(all).Select(m => m.Value).ShouldBeEmpty();
    }

    private static async Task<string> GrantOn(FormClient citizen, WebApplicationFactory<Program> app)
    {
        long recipient;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<Shangding.Core.Data.ShangdingDbContext>();
            recipient = db.Accounts.Single(a => a.UserName == "bank").Id;
        }

        var response = await citizen.PostFormAsync("/me/grants?handler=Create", new()
        {
            ["Recipient"] = recipient.ToString(System.Globalization.CultureInfo.InvariantCulture), ["Scope"] = GrantScopes.Level, ["Purpose"] = "贷款",
            ["Expires"] = DateTime.Today.AddDays(3).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        }, Ct, "/me/grants");
        return CodeRegex().Match(await response.Content.ReadAsStringAsync(Ct)).Value;
    }

    private sealed class Collector(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, lines);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull
            {
                lines.Enqueue($"{category} scope: {state}");
                return null;
            }

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
        }
    }

    [GeneratedRegex("(?<![0-9])[1-9][0-9]{16}[0-9X](?![0-9])")]
    private static partial Regex IdRegex();

    [GeneratedRegex("SDG-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")]
    private static partial Regex CodeRegex();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenRegex();
}
