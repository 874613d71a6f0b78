using System.Net.Http.Headers;
using System.Net.Http.Json;
using AngleSharp.Html.Parser;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Shangding.Core.Access;
using Shangding.Core.Data;
using Shangding.Core.Remedies;
using Shangding.Web.Access;
using Shangding.Web.Tests.Infrastructure;

namespace Shangding.Web.Tests.Access;

/// <summary>A browser-like client over any app instance: fills in the antiforgery token of forms.</summary>
internal sealed partial class FormClient(HttpClient http)
{
    public HttpClient Http { get; } = http;

    public async Task<HttpResponseMessage> PostFormAsync(string url, Dictionary<string, string> fields, CancellationToken ct, string? formPage = null)
    {
        var page = await Http.GetStringAsync(formPage ?? url, ct);
        fields["__RequestVerificationToken"] = TokenRegex().Match(page).Groups[1].Value;
        return await Http.PostAsync(url, new FormUrlEncodedContent(fields), ct);
    }

    [System.Text.RegularExpressions.GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial System.Text.RegularExpressions.Regex TokenRegex();
}

/// <summary>Helpers of the access tests: querying API tokens, citizen sign-in, grants through the citizen's page.</summary>
internal static class AccessTestSupport
{
    public static async Task<string> TokenFor(WebApplicationFactory<Program> factory, string user, CancellationToken ct)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
        var account = await db.Accounts.SingleAsync(a => a.UserName == user, ct);
        return (await scope.ServiceProvider.GetRequiredService<AccessCredentials>().CreateAsync(db, account.Id, "test", "test", ct)).Token;
    }

    public static HttpClient ApiClient(WebApplicationFactory<Program> factory, string token)
    {
        var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public static object Subject(string? id = null, string? name = null) => new { idNumber = id ?? AccessDemo.CitizenId, name = name ?? AccessDemo.CitizenName };

    public static Task<HttpResponseMessage> Query(HttpClient client, string what, string? grant = null, string? letter = null, string? purpose = "租房", object? subject = null, CancellationToken ct = default) =>
        client.PostAsJsonAsync("/api/v1/queries", new { subject = subject ?? Subject(), what, purpose, grantCode = grant, letterNumber = letter }, ct);

    public static async Task<PortalClient> Citizen(ShangdingWebFactory factory, CancellationToken ct)
    {
        var client = new PortalClient(factory);
        var response = await client.PostFormAsync("/account/citizen", new()
        {
            ["Name"] = AccessDemo.CitizenName,
            ["IdNumber"] = AccessDemo.CitizenId,
            ["Code"] = DevelopmentRealNameVerifier.Code,
        }, ct);
        response.EnsureSuccessStatusCode();
        response.RequestMessage!.RequestUri!.AbsolutePath.ShouldBe("/me/records");
        return client;
    }

    /// <summary>Creates a grant on /me/grants as the citizen would and returns the code shown.</summary>
    public static async Task<string> Grant(PortalClient citizen, ShangdingWebFactory factory, string organisation, string scope, string? benefit, CancellationToken ct)
    {
        long recipient;
        await using (var scopeServices = factory.Services.CreateAsyncScope())
        {
            var db = scopeServices.ServiceProvider.GetRequiredService<ShangdingDbContext>();
            recipient = (await db.Accounts.SingleAsync(a => a.UserName == organisation, ct)).Id;
        }

        var response = await citizen.PostFormAsync("/me/grants?handler=Create", new()
        {
            ["Recipient"] = recipient.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Scope"] = scope,
            ["Benefit"] = benefit ?? "",
            ["Purpose"] = "租房押金减免",
            ["Expires"] = DateTime.Today.AddDays(10).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        }, ct, "/me/grants");
        var page = new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync(ct));
        page.QuerySelector(".error")?.TextContent.ShouldBeNull();
        page.QuerySelector(".qr svg").ShouldNotBeNull();
        return page.QuerySelector("#grant-code")!.TextContent.Trim();
    }

    /// <summary>The demo citizen opts in to the score (as on /me/score), once.</summary>
    public static async Task OptIn(WebApplicationFactory<Program> factory, CancellationToken ct)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
        var hash = scope.ServiceProvider.GetRequiredService<Shangding.Core.Subjects.IdentityProtector>().LookupHash(AccessDemo.CitizenId);
        var subject = await db.Subjects.SingleAsync(s => s.IdHash == hash, ct);
        if (!await db.Scores.AnyAsync(s => s.SubjectId == subject.Id, ct))
        {
            await scope.ServiceProvider.GetRequiredService<Shangding.Core.Scoring.ScoreService>().OptInAsync(db, subject.Id, "test", ct);
        }
    }

    /// <summary>What <see cref="FileRemedies"/> filed for 王小明.</summary>
    public sealed record DemoRemedies(long SubjectId, long CitizenAccountId, long DisputeId, long RepairId, long SelfReportId);

    public static readonly byte[] ProofPdf = [.. "%PDF-1.7\n"u8.ToArray(), .. new byte[200]];
    public static readonly byte[] ProofPng = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];

    /// <summary>
    /// 王小明 (signed in once at /account/citizen) disputes the volunteer record (市文明办), applies for repair of the
    /// water arrears (市自来水公司) and reports a good deed (市文明办) — each with a proof file — and the centre forwards the dispute.
    /// </summary>
    public static async Task<DemoRemedies> FileRemedies(WebApplicationFactory<Program> factory, CancellationToken ct)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var db = services.GetRequiredService<ShangdingDbContext>();
        var hash = services.GetRequiredService<Shangding.Core.Subjects.IdentityProtector>().LookupHash(AccessDemo.CitizenId);
        var subject = (await db.Subjects.AsNoTracking().SingleAsync(x => x.IdHash == hash, ct)).Id;
        var citizen = (await db.Accounts.AsNoTracking().SingleAsync(a => a.Role == Roles.Citizen && a.SubjectId == subject, ct)).Id;
        var records = await db.Records.AsNoTracking().Where(r => r.SubjectId == subject).ToDictionaryAsync(r => r.CategoryCode, r => r.Id, ct);
        var disputes = services.GetRequiredService<DisputeService>();
        var dispute = (await disputes.FileAsync(db, citizen, records["P-VOLUNTEER"], "荣誉级别登记有误", [new("核对材料.pdf", ProofPdf)], ct)).Id;
        await disputes.ForwardAsync(db, dispute, "account:operator", ct);
        var repair = (await services.GetRequiredService<RepairService>()
            .ApplyAsync(db, citizen, records["P-ARREARS-WATER"], "欠费已缴清", true, [new("缴费凭证.png", ProofPng)], ct)).Id;
        var deedDay = Shangding.Core.Reporting.ReportingTime.ChinaDate(DateTimeOffset.UtcNow).AddDays(-10).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var report = (await services.GetRequiredService<SelfReportService>().SubmitAsync(db, citizen,
            new SelfReportInput("P-VOLUNTEER", null, AccessDemo.CitizenName, "M", AccessDemo.CitizenId, deedDay, "社区志愿服务 40 小时"), [new("志愿服务证明.pdf", ProofPdf)], ct)).Id;
        return new DemoRemedies(subject, citizen, dispute, repair, report);
    }

    public static async Task<List<QueryLogEntry>> Log(WebApplicationFactory<Program> factory, CancellationToken ct)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
        return await db.QueryLog.AsNoTracking().OrderBy(q => q.Id).ToListAsync(ct);
    }
}
