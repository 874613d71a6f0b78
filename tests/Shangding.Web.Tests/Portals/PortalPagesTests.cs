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

    /// <summary>
    /// Every page a role other than the subject can open — found from the app's own page routes, so a new
    /// page is covered without editing this list — is opened by every such role (visitor, unit clerks,
    /// operator, supervisor, a third party, a government querier) over data that names a person: a dispute
    /// forwarded to the unit, a repair application, a self-report, the public search and the query-log
    /// search by ID. No page shows an 18-character ID number whole; /me shows the subject's own masked.
    /// </summary>
    [Fact]
    public async Task NoPage_ShowsAnUnmaskedIdNumber()
    {
        var (personId, disputeId, selfReportId) = await PersonWithRemediesAsync();
        string waterBatch, civilBatch, waterRecord;
        using (var scope = factory.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
            waterRecord = (await db.Records.Where(r => r.UnitCode == "WATER-SUPPLY").MaxAsync(r => r.Id, Ct)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            waterBatch = (await db.IntakeBatches.Where(b => b.UnitCode == "WATER-SUPPLY").MaxAsync(b => b.Id, Ct)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            civilBatch = (await db.IntakeBatches.Where(b => b.UnitCode == "CIVILISATION-OFFICE").MaxAsync(b => b.Id, Ct)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        // Every Razor page of the app, as its route template.
        var routes = factory.Services.GetRequiredService<Microsoft.AspNetCore.Routing.EndpointDataSource>().Endpoints
            .OfType<Microsoft.AspNetCore.Routing.RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Mvc.RazorPages.PageActionDescriptor>() is not null)
            .Select(e => "/" + e.RoutePattern.RawText!.Trim('/'))
            .Where(r => r != "/Index" && r != "/Error")
            // A download of the applicant's own evidence file, not a page (access to it: RemediesPagesTests).
            .Where(r => r != "/remedies/files/{id:long}")
            // A big upload's place in line: it shows only the category, the file's name and its place, and exists only
            // while a file waits (BackgroundUploadTests open it).
            .Where(r => r != "/unit/uploads/{id}")
            // The page shown for an error status: fixed text only (UnitPortalTests.AClerkCannotOpenAnotherUnitsBatch).
            .Where(r => r != "/status/{code:int}")
            .Distinct().Order(StringComparer.Ordinal).ToList();
        routes.Count.ShouldBeGreaterThan(35);

        // Who may open what is the app's business: each role tries every page, and every 200 on the page asked for is checked.
        var users = new (string User, string Category, string Batch)[]
        {
            ("", "P-ARREARS-WATER", waterBatch), ("water", "P-ARREARS-WATER", waterBatch), ("civil", "P-VOLUNTEER", civilBatch),
            ("operator", "P-ARREARS-WATER", waterBatch), ("auditor", "P-ARREARS-WATER", waterBatch), ("bank", "P-ARREARS-WATER", waterBatch),
            ("police", "P-ARREARS-WATER", waterBatch),
        };
        var extras = new[]
        {
            $"/unit/disputes?id={disputeId}", $"/unit/self-reports?id={selfReportId}", "/operator/disputes?overdue=true", "/public/lists?list=red",
            "/public/lists?list=black", "/catalog?unit=WATER-SUPPLY", "/operator/calendar?year=2026",
        };
        var found = new List<string>();
        var opened = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (user, category, batch) in users)
        {
            var client = user.Length == 0 ? new PortalClient(factory) : await PortalClient.SignedInAs(factory, user, Ct);
            foreach (var route in routes)
            {
                // A record's page takes a record of the water company (opened by its clerk); every other {id} page a batch.
                var url = route.Replace("{code}", category, StringComparison.Ordinal)
                    .Replace("{id:long}", route.StartsWith("/unit/records/", StringComparison.Ordinal) ? waterRecord : batch, StringComparison.Ordinal);
                foreach (var culture in new[] { "", "culture=en" })
                {
                    var response = await client.Http.GetAsync(culture.Length == 0 ? url : url + "?" + culture, Ct);
                    if (response.StatusCode != HttpStatusCode.OK || response.RequestMessage!.RequestUri!.AbsolutePath != url)
                    {
                        continue; // not this role's page (signed out, denied or not found)
                    }

                    opened.Add(route);
                    Scan(await response.Content.ReadAsStringAsync(Ct), $"{user} {url} {culture}");
                }
            }

            foreach (var url in extras)
            {
                var response = await client.Http.GetAsync(url, Ct);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    Scan(await response.Content.ReadAsStringAsync(Ct), $"{user} {url}");
                }
            }
        }

        // Results of searches by the full ID number.
        var visitor = new PortalClient(factory);
        var search = await visitor.PostFormAsync("/public/lists", new() { ["Name"] = "郑十一", ["Identifier"] = personId }, Ct);
        Scan(await search.Content.ReadAsStringAsync(Ct), "public search");
        var clerk = await PortalClient.SignedInAs(factory, "water", Ct);
        var records = await clerk.PostFormAsync("/unit/records", new() { ["IdNumber"] = personId }, Ct);
        Scan(await records.Content.ReadAsStringAsync(Ct), "unit records search");
        var op = await PortalClient.SignedInAs(factory, "operator", Ct);
        var log = await op.PostFormAsync("/operator/query-log", new() { ["SubjectId"] = personId }, Ct);
        var logPage = await log.Content.ReadAsStringAsync(Ct);
        Scan(logPage, "query-log search");
        Parse(logPage).QuerySelectorAll("tbody tr").Length.ShouldBeGreaterThan(0); // the search found the person's entries

        // Every page except the subject's own (/me…) was opened by some role other than the subject.
        routes.Where(r => !r.StartsWith("/me", StringComparison.Ordinal) && !opened.Contains(r)).ShouldBeEmpty();
        found.ShouldBeEmpty();

        // The subject's own overview shows the ID masked.
        var citizen = await PortalClient.SignedInAs(factory, "citizen", Ct);
        Parse(await citizen.Http.GetStringAsync("/me", Ct)).QuerySelector(".id-masked")!.TextContent.ShouldMatch(@"^\d{4}\*{10}\d{3}[\dX]$");

        void Scan(string html, string where)
        {
            found.AddRange(UnmaskedId().Matches(html).Select(m => $"{where}: {m.Value}"));
            if (html.Contains(personId, StringComparison.Ordinal))
            {
                found.Add($"{where}: {personId}");
            }
        }
    }

    /// <summary>
    /// A person with a water-arrears record (decided four months ago) and a citizen account, who disputed the
    /// record (forwarded to the unit), applied for its repair and reported a good deed. Returns the ID number,
    /// the dispute and the self-report.
    /// </summary>
    private async Task<(string Id, long Dispute, long SelfReport)> PersonWithRemediesAsync()
    {
        var id = Shangding.Testing.TestPlatform.ResidentId(new DateOnly(1979, 11, 3), 517);
        using var scope = factory.Services.CreateScope();
        var services = scope.ServiceProvider;
        var db = services.GetRequiredService<ShangdingDbContext>();
        var decided = Shangding.Core.Reporting.ReportingTime.ChinaDate(DateTime.UtcNow).AddMonths(-4).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var intake = await services.GetRequiredService<Shangding.Core.Intake.IntakeService>().RunAsync(
            new Shangding.Core.Intake.IntakeRequest("WATER-SUPPLY", Shangding.Core.Intake.IntakeChannels.Batch, "test", "P-ARREARS-WATER"),
            [new Shangding.Core.Intake.IntakeRow(1, null, new Dictionary<string, string?>
            {
                ["record_key"] = "NOPAGE-1", ["name"] = "郑十一", ["id_type"] = "居民身份证", ["id_number"] = id, ["customer_address"] = "郑州市二七区",
                ["arrears_from"] = "2025-01-01", ["arrears_counted_to"] = "2025-12-31", ["arrears_quantity"] = "3", ["arrears_amount"] = "600",
                ["determining_body"] = "市自来水公司", ["determined_on"] = decided,
            }, [])], null, Ct);
        intake.Created.ShouldBe(1);
        var subject = await db.Subjects.SingleAsync(s => s.IdHash == services.GetRequiredService<Shangding.Core.Subjects.IdentityProtector>().LookupHash(id), Ct);
        var record = await db.Records.SingleAsync(r => r.RecordKey == "NOPAGE-1", Ct);
        var account = await services.GetRequiredService<Shangding.Core.Access.AccountService>()
            .CreateAsync(db, "zheng11", "郑十一", Shangding.Core.Access.Roles.Citizen, Shangding.Web.Access.DemoAccounts.Password, null, subject.Id, Ct);
        var pdf = new Shangding.Core.Remedies.EvidenceUpload("proof.pdf", [.. "%PDF-1.7\n"u8.ToArray(), .. new byte[64]]);
        var disputes = services.GetRequiredService<Shangding.Core.Remedies.DisputeService>();
        var dispute = await disputes.FileAsync(db, account.Id, record.Id, "欠费已结清", [pdf], Ct);
        await disputes.ForwardAsync(db, dispute.Id, "test", Ct);
        await services.GetRequiredService<Shangding.Core.Remedies.RepairService>().ApplyAsync(db, account.Id, record.Id, "已缴清", true, [pdf], Ct);
        var report = await services.GetRequiredService<Shangding.Core.Remedies.SelfReportService>().SubmitAsync(db, account.Id,
            new Shangding.Core.Remedies.SelfReportInput("P-VOLUNTEER", null, "郑十一", "M", id, decided, "社区志愿服务"), [pdf], Ct);
        // The person was also queried, so the query-log search finds entries.
        await services.GetRequiredService<Shangding.Core.Access.CreditQueries>().QueryAsync(db, Shangding.Core.Access.AccessActor.Anonymous,
            new Shangding.Core.Access.AccessRequest(subject.Id, Shangding.Core.Access.AccessWhat.Records, "public-search"), "web", Ct);
        return (id, dispute.Id, report.Id);
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
