using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Shangding.Core.Data;
using Shangding.Core.Scoring;
using Shangding.Web.Tests.Infrastructure;

namespace Shangding.Web.Tests.Portals;

/// <summary>The portal pages: public site, navigation by role, the citizen's score, the operator's dashboard.</summary>
public sealed partial class PortalPagesTests(ShangdingWebFactory factory) : IClassFixture<ShangdingWebFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static IHtmlDocument Parse(string html) => new HtmlParser().ParseDocument(html);

    private ScoreModel ActiveModel => factory.Services.GetRequiredService<ScoreService>().Model;

    [Theory]
    [InlineData("/", "商鼎分：守信激励，自愿参与", "The Shangding score: rewarding trust, voluntary by design")]
    [InlineData("/public/indicators", "商鼎分评分指标体系", "The Shangding score indicator system")]
    [InlineData("/public/policies", "政策文件", "Policy documents")]
    [InlineData("/public/remedies", "异议与信用修复", "Disputes and credit repair")]
    public async Task PublicPages_AreCompleteInChineseAndEnglish(string url, string zh, string en)
    {
        var client = factory.CreateClient();
        foreach (var (culture, title) in new[] { ("zh-CN", zh), ("en", en) })
        {
            var html = await client.GetStringAsync($"{url}{(url.Contains('?') ? '&' : '?')}culture={culture}", Ct);
            var page = Parse(html);
            page.DocumentElement.GetAttribute("lang").ShouldBe(culture);
            page.QuerySelector("h1")!.TextContent.ShouldBe(title);
            MissingKey().Matches(page.Body!.TextContent).Select(m => m.Value).ShouldBeEmpty();
        }
    }

    [Fact]
    public async Task Home_ShowsTheLevelsOfTheActiveModel_WithWhatEachBrings_AndLinks()
    {
        var page = Parse(await factory.CreateClient().GetStringAsync("/?culture=en", Ct));
        var levels = page.QuerySelectorAll(".levels li").ToList();
        levels.Select(l => l.QuerySelector("strong")!.TextContent).ShouldBe(ActiveModel.Levels.Select(l => l.NameEn));
        levels[0].QuerySelector(".range")!.TextContent.ShouldBe("≥ 150");
        levels[^1].QuerySelector(".range")!.TextContent.ShouldBe("< 80");
        levels.ShouldAllBe(l => l.QuerySelector(".brings")!.TextContent.Length > 10);
        var links = page.QuerySelectorAll("main a").Select(a => a.GetAttribute("href")).ToList();
        links.ShouldContain("/public/benefits");
        links.ShouldContain("/public/lists");
        links.ShouldContain("/public/remedies");
    }

    [Fact]
    public async Task IndicatorPage_ListsEveryScoredCategoryOfTheModel_WithItsPoints()
    {
        var model = ActiveModel;
        var page = Parse(await factory.CreateClient().GetStringAsync("/public/indicators", Ct));
        page.QuerySelector(".lead")!.TextContent.ShouldContain(model.Version);
        var rows = page.QuerySelectorAll("table.indicators tbody tr").ToList();
        rows.Count.ShouldBe(model.Rules.Count(r => r.Scored));
        var blood = rows.Single(r => r.QuerySelector("a")!.GetAttribute("href") == "/catalog/P-BLOOD-DONATION");
        blood.TextContent.ShouldContain("1–<3 +3");
        blood.TextContent.ShouldContain("15"); // its cap
    }

    [Fact]
    public async Task Policies_ListTheFiveDocuments_WithNumbersAndDates()
    {
        var page = Parse(await factory.CreateClient().GetStringAsync("/public/policies", Ct));
        var docs = page.QuerySelectorAll("ol.documents > li").ToList();
        docs.Count.ShouldBe(5);
        page.Body!.TextContent.ShouldContain("郑政办〔2017〕80号");
        page.Body!.TextContent.ShouldContain("郑信用〔2019〕3号");
        docs.ShouldAllBe(d => d.QuerySelector("time") != null);
    }

    [Fact]
    public async Task Remedies_GiveTheDisputeDeadlines_AndThePublicationPeriods()
    {
        var text = Parse(await factory.CreateClient().GetStringAsync("/public/remedies?culture=en", Ct)).Body!.TextContent;
        text.ShouldContain("Forwarded within 3 working days");
        text.ShouldContain("Verified within 15 working days");
        text.ShouldContain("You are told within 2 working days");
        text.ShouldContain("At least 1 year, at most 3 years");
        text.ShouldContain("Minors");
    }

    [Theory]
    [InlineData(null, "/public/indicators", "/me/score")]
    [InlineData("citizen", "/me/score", "/operator")]
    [InlineData("water", "/unit", "/me")]
    [InlineData("operator", "/operator/disputes", "/unit")]
    public async Task TheMenu_ShowsTheLinksOfTheRole(string? user, string shown, string notShown)
    {
        var client = user is null ? new PortalClient(factory) : await PortalClient.SignedInAs(factory, user, Ct);
        var page = Parse(await client.Http.GetStringAsync("/", Ct));
        var links = page.QuerySelectorAll("header a").Select(a => a.GetAttribute("href")).ToList();
        links.ShouldContain(shown);
        links.ShouldNotContain(notShown);
        if (user is null)
        {
            links.ShouldNotContain("/inbox");
        }
        else
        {
            links.ShouldContain("/inbox");
        }

        page.QuerySelector("button.menu-toggle")!.GetAttribute("aria-controls").ShouldBe("site-menu");
        page.QuerySelector("header a[aria-current=page]")!.GetAttribute("href").ShouldBe("/");
    }

    [Fact]
    public async Task CitizenPages_AreForCitizensOnly()
    {
        var anonymous = await new PortalClient(factory).Http.GetAsync("/me/score", Ct);
        anonymous.RequestMessage!.RequestUri!.AbsolutePath.ShouldBe("/account/signin");
        var op = await PortalClient.SignedInAs(factory, "operator", Ct);
        (await op.Http.GetAsync("/me", Ct)).RequestMessage!.RequestUri!.AbsolutePath.ShouldBe("/account/denied");
    }

    [Fact]
    public async Task ReadingMyOwnScorePages_IsASelfQuery_LoggedLikeEveryOtherRead()
    {
        var client = await PortalClient.SignedInAs(factory, "citizen", Ct);
        var subjectId = await SubjectOfAsync("citizen");
        async Task<int> SelfQueries()
        {
            using var scope = factory.Services.CreateScope();
            return await scope.ServiceProvider.GetRequiredService<ShangdingDbContext>().QueryLog
                .CountAsync(q => q.SubjectId == subjectId && q.QuerierRole == Shangding.Core.Access.Roles.Citizen && q.Purpose == "self-query", Ct);
        }

        var before = await SelfQueries();
        (await client.Http.GetAsync("/me", Ct)).EnsureSuccessStatusCode();
        (await client.Http.GetAsync("/me/score", Ct)).EnsureSuccessStatusCode();
        (await SelfQueries()).ShouldBe(before + 2);
    }

    [Fact]
    public async Task ACitizen_OptsInWithConfirmation_SeesTheScore_AsksWhatIf_AndOptsOut()
    {
        var client = await PortalClient.SignedInAs(factory, "citizen", Ct);
        var subjectId = await SubjectOfAsync("citizen");

        // Without ticking the confirmation: the error is beside the box, nothing is stored.
        var refused = Parse(await (await client.PostFormAsync("/me/score?handler=OptIn", [], Ct, "/me/score")).Content.ReadAsStringAsync(Ct));
        refused.QuerySelector("#Confirm-error")!.TextContent.ShouldBe("请勾选确认后再提交。");
        refused.QuerySelector("#Confirm")!.GetAttribute("aria-invalid").ShouldBe("true");
        (await OptedInAsync(subjectId)).ShouldBeFalse();
        var refusedEn = Parse(await (await client.PostFormAsync("/me/score?handler=OptIn&culture=en", [], Ct, "/me/score?culture=en")).Content.ReadAsStringAsync(Ct));
        refusedEn.QuerySelector("#Confirm-error")!.TextContent.ShouldBe("Please tick the box to confirm.");

        var response = await client.PostFormAsync("/me/score?handler=OptIn", new() { ["Confirm"] = "true" }, Ct, "/me/score");
        var page = Parse(await response.Content.ReadAsStringAsync(Ct));
        (await OptedInAsync(subjectId)).ShouldBeTrue();
        var stored = await StoredAsync(subjectId);
        page.QuerySelector("#score-value")!.TextContent.ShouldBe(stored.Score.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using (var gauge = JsonDocument.Parse(page.QuerySelector(".chart.gauge")!.GetAttribute("data-chart")!))
        {
            gauge.RootElement.GetProperty("kind").GetString().ShouldBe("gauge");
            gauge.RootElement.GetProperty("value").GetInt32().ShouldBe(stored.Score);
        }

        // The demo resident has good and bad records: both show, each with the day it stops counting.
        page.QuerySelectorAll("ul.contributions li.good").Length.ShouldBeGreaterThan(0);
        page.QuerySelectorAll("ul.contributions li.bad").Length.ShouldBeGreaterThan(0);
        page.QuerySelectorAll("ul.contributions li").ShouldAllBe(li => li.TextContent.Contains("起不再计分"));
        page.QuerySelectorAll("ol.reasons li").Length.ShouldBeInRange(1, 4);
        page.QuerySelectorAll("table[aria-labelledby=dims-h] tbody tr").Length.ShouldBe(5);
        page.QuerySelectorAll("table[aria-labelledby=history-h] tbody tr").Length.ShouldBe(1);

        // What if: answered, nothing stored.
        var historyBefore = await HistoryCountAsync(subjectId);
        var donate = Parse(await (await client.PostFormAsync("/me/score?handler=Donate", [], Ct, "/me/score")).Content.ReadAsStringAsync(Ct));
        donate.QuerySelector(".whatif-result")!.TextContent.ShouldContain($"积分将从 {stored.Score} 分变为");
        var badRecord = page.QuerySelectorAll("#RepairRecordId option").Select(o => o.GetAttribute("value")).First(v => !string.IsNullOrEmpty(v))!;
        var repair = Parse(await (await client.PostFormAsync("/me/score?handler=Repair", new() { ["RepairRecordId"] = badRecord }, Ct, "/me/score")).Content.ReadAsStringAsync(Ct));
        var answer = repair.QuerySelector(".whatif-result")!.TextContent;
        answer.ShouldContain("已修复");
        Regex.Match(answer, @"变为 (\d+) 分").Groups[1].Value.ShouldNotBe(stored.Score.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var noChoice = Parse(await (await client.PostFormAsync("/me/score?handler=Repair", [], Ct, "/me/score")).Content.ReadAsStringAsync(Ct));
        noChoice.QuerySelector("#RepairRecordId-error")!.TextContent.ShouldNotBeEmpty();
        (await HistoryCountAsync(subjectId)).ShouldBe(historyBefore);
        (await StoredAsync(subjectId)).Score.ShouldBe(stored.Score);

        var overview = Parse(await client.Http.GetStringAsync("/me", Ct));
        overview.QuerySelector(".score-figure strong")!.TextContent.ShouldBe(stored.Score.ToString(System.Globalization.CultureInfo.InvariantCulture));

        // Opting out needs its own confirmation, then deletes the score and its history.
        var outRefused = Parse(await (await client.PostFormAsync("/me/score?handler=OptOut", [], Ct, "/me/score")).Content.ReadAsStringAsync(Ct));
        outRefused.QuerySelector("#ConfirmOut-error").ShouldNotBeNull();
        (await OptedInAsync(subjectId)).ShouldBeTrue();
        var outPage = Parse(await (await client.PostFormAsync("/me/score?handler=OptOut", new() { ["Confirm"] = "true" }, Ct, "/me/score")).Content.ReadAsStringAsync(Ct));
        outPage.QuerySelector(".success")!.TextContent.ShouldContain("已关闭商鼎分");
        (await OptedInAsync(subjectId)).ShouldBeFalse();
        (await HistoryCountAsync(subjectId)).ShouldBe(0);
    }

    [Fact]
    public async Task AMinor_IsToldWhyTheyCannotOptIn_AndNothingIsStored()
    {
        long subjectId;
        using (var scope = factory.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
            var now = DateTime.UtcNow;
            var minor = new Subject
            {
                Kind = Shangding.Core.Catalog.SubjectKind.Person, CertType = "ResidentId", IdHash = "minor-test-hash", IdCipher = "-",
                IdMasked = "4101**********0012", Name = "小明", BirthDate = DateOnly.FromDateTime(now).AddYears(-16), CreatedAt = now, UpdatedAt = now,
            };
            db.Subjects.Add(minor);
            await db.SaveChangesAsync(Ct);
            subjectId = minor.Id;
            await scope.ServiceProvider.GetRequiredService<Shangding.Core.Access.AccountService>()
                .CreateAsync(db, "minor-citizen", "小明", Shangding.Core.Access.Roles.Citizen, Shangding.Web.Access.DemoAccounts.Password, null, subjectId, Ct);
        }

        var client = await PortalClient.SignedInAs(factory, "minor-citizen", Ct);
        var page = Parse(await client.Http.GetStringAsync("/me/score", Ct));
        page.QuerySelector(".error")!.TextContent.ShouldContain("年满 18 周岁");
        page.QuerySelector("form.confirm-form").ShouldBeNull();
        // Posting anyway is refused by the score service, in the page's language.
        var refused = Parse(await (await client.PostFormAsync("/me/score?handler=OptIn&culture=en", new() { ["Confirm"] = "true" }, Ct, "/me/score")).Content.ReadAsStringAsync(Ct));
        refused.QuerySelector("#optin-error")!.TextContent.ShouldBe("Residents can opt in to the Shangding score from the age of 18.");
        refused.QuerySelector("html")!.GetAttribute("lang").ShouldBe("en");
        (await OptedInAsync(subjectId)).ShouldBeFalse();
    }

    [Fact]
    public async Task OperatorDashboard_ChartsTheNumbersOfItsTables()
    {
        var op = await PortalClient.SignedInAs(factory, "operator", Ct);
        var page = Parse(await op.Http.GetStringAsync("/operator", Ct));
        using var chart = JsonDocument.Parse(page.QuerySelectorAll(".chart")[0].GetAttribute("data-chart")!);
        var values = chart.RootElement.GetProperty("values").EnumerateArray().Select(v => v.GetInt32()).ToList();
        var table = page.QuerySelectorAll("#levels-table tbody td.num").Select(td => int.Parse(td.TextContent, System.Globalization.NumberStyles.AllowThousands, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        values.ShouldBe(table);
        using var scope = factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
        values.Sum().ShouldBe(await db.Scores.CountAsync(Ct));
        page.QuerySelector("#overdue-h").ShouldNotBeNull();
        page.QuerySelectorAll("main a").Select(a => a.GetAttribute("href")).ShouldContain("/operator/disputes");
        page.QuerySelectorAll("script[src]").Select(s => s.GetAttribute("src")!).ShouldContain(s => s.StartsWith("/lib/echarts/echarts.min.js", StringComparison.Ordinal));
        (await op.Http.GetAsync("/lib/echarts/echarts.min.js", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task NoPage_ShowsAnUnmaskedIdNumber()
    {
        var pages = new Dictionary<string, string[]>
        {
            [""] = ["/", "/catalog", "/public/indicators", "/public/policies", "/public/remedies"],
            ["citizen"] = ["/me", "/me/score"],
            ["water"] = ["/unit", "/unit/reporting"],
            ["operator"] = ["/operator", "/operator/reporting", "/operator/models", "/operator/credentials"],
        };
        var found = new List<string>();
        foreach (var (user, urls) in pages)
        {
            var client = user.Length == 0 ? new PortalClient(factory) : await PortalClient.SignedInAs(factory, user, Ct);
            foreach (var url in urls)
            {
                var response = await client.Http.GetAsync(url, Ct);
                response.StatusCode.ShouldBe(HttpStatusCode.OK, url);
                var html = await response.Content.ReadAsStringAsync(Ct);
                found.AddRange(UnmaskedId().Matches(html).Select(m => $"{user} {url}: {m.Value}"));
                if (url == "/me")
                {
                    Parse(html).QuerySelector(".id-masked")!.TextContent.ShouldMatch(@"^\d{4}\*{10}\d{3}[\dX]$");
                }
            }
        }

        found.ShouldBeEmpty();
    }

    private async Task<long> SubjectOfAsync(string user)
    {
        using var scope = factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
        return (await db.Accounts.SingleAsync(a => a.UserName == user, Ct)).SubjectId!.Value;
    }

    private async Task<bool> OptedInAsync(long subjectId)
    {
        using var scope = factory.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<ShangdingDbContext>().ScoreOptIns.AnyAsync(o => o.SubjectId == subjectId && o.OptedOutAt == null, Ct);
    }

    private async Task<StoredScore> StoredAsync(long subjectId)
    {
        using var scope = factory.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<ShangdingDbContext>().Scores.AsNoTracking().SingleAsync(s => s.SubjectId == subjectId, Ct);
    }

    private async Task<int> HistoryCountAsync(long subjectId)
    {
        using var scope = factory.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<ShangdingDbContext>().ScoreHistory.CountAsync(h => h.SubjectId == subjectId, Ct);
    }

    [GeneratedRegex(@"\[portal\.[\w.\-]+\]")]
    private static partial Regex MissingKey();

    /// <summary>An 18-character resident ID number (17 digits and a check character) standing alone.</summary>
    [GeneratedRegex(@"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")]
    private static partial Regex UnmaskedId();
}
