using System.Net;
using System.Text.RegularExpressions;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Shangding.Core.Access;
using Shangding.Core.Data;
using Shangding.Core.Intake;
using Shangding.Core.Subjects;
using Shangding.Testing;
using Shangding.Web.Access;
using Shangding.Web.Tests.Infrastructure;

namespace Shangding.Web.Tests.Remedies;

public sealed partial class RemediesPagesTests(ShangdingWebFactory factory) : IClassFixture<ShangdingWebFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly byte[] Pdf = [.. "%PDF-1.7\n"u8.ToArray(), .. new byte[64]];

    /// <summary>A water-arrears record about a new adult, and a citizen account for that person, signed in.</summary>
    private async Task<(PortalClient Client, long SubjectId, long RecordId)> CitizenWithRecordAsync(string user, int sequence)
    {
        var id = TestPlatform.ResidentId(new DateOnly(1980, 2, 3), sequence);
        using var scope = factory.Services.CreateScope();
        var intake = scope.ServiceProvider.GetRequiredService<IntakeService>();
        var key = $"WEB-{user}";
        var result = await intake.RunAsync(new IntakeRequest("WATER-SUPPLY", IntakeChannels.Batch, "test", "P-ARREARS-WATER"), [new IntakeRow(1, null, new Dictionary<string, string?>
        {
            ["record_key"] = key, ["name"] = "周九", ["id_type"] = "居民身份证", ["id_number"] = id, ["customer_address"] = "郑州市", ["arrears_from"] = "2025-01-01",
            ["arrears_counted_to"] = "2025-12-31", ["arrears_quantity"] = "3", ["arrears_amount"] = "900", ["determining_body"] = "市自来水公司", ["determined_on"] = "2026-10-01",
        }, [])], null, Ct);
        result.Created.ShouldBe(1);
        var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
        var hash = scope.ServiceProvider.GetRequiredService<IdentityProtector>().LookupHash(id);
        var subject = await db.Subjects.Where(s => s.IdHash == hash).Select(s => s.Id).SingleAsync(Ct);
        var record = await db.Records.Where(r => r.RecordKey == key && r.UnitCode == "WATER-SUPPLY").Select(r => r.Id).SingleAsync(Ct);
        await scope.ServiceProvider.GetRequiredService<AccountService>().CreateAsync(db, user, "周九", Roles.Citizen, DemoAccounts.Password, null, subject, Ct);
        return (await PortalClient.SignedInAs(factory, user, Ct), subject, record);
    }

    private static async Task<HttpResponseMessage> PostMultipartAsync(PortalClient client, string url, Dictionary<string, string> fields, IEnumerable<(string Name, byte[] Content)> files)
    {
        var page = await client.Http.GetStringAsync(url, Ct);
        using var form = new MultipartFormDataContent { { new StringContent(TokenRegex().Match(page).Groups[1].Value), "__RequestVerificationToken" } };
        foreach (var (name, value) in fields)
        {
            form.Add(new StringContent(value), name);
        }

        foreach (var (name, content) in files)
        {
            form.Add(new ByteArrayContent(content), "files", name);
        }

        return await client.Http.PostAsync(url, form, Ct);
    }

    private static async Task<IHtmlDocument> ParseAsync(HttpResponseMessage response) =>
        new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync(Ct));

    [Fact]
    public async Task CitizenPages_NeedACitizen()
    {
        var anonymous = await new PortalClient(factory).Http.GetAsync("/me/disputes", Ct);
        anonymous.RequestMessage!.RequestUri!.AbsolutePath.ShouldBe("/account/signin");
        var clerk = await PortalClient.SignedInAs(factory, "water", Ct);
        (await clerk.Http.GetAsync("/me/repairs", Ct)).RequestMessage!.RequestUri!.AbsolutePath.ShouldBe("/account/denied");
        (await clerk.Http.GetAsync("/operator/disputes", Ct)).RequestMessage!.RequestUri!.AbsolutePath.ShouldBe("/account/denied");
        (await clerk.Http.GetAsync("/inbox", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task ADispute_FiledOnline_ForwardedByTheCentre_CorrectedByTheUnit_AndTheApplicantToldInTheInbox()
    {
        var (citizen, _, recordId) = await CitizenWithRecordAsync("zhou9", 611);

        // A file that is not what it claims: the error is beside the file field and the text typed is kept.
        var bad = await ParseAsync(await PostMultipartAsync(citizen, "/me/disputes",
            new() { ["RecordId"] = recordId.ToString(), ["Reason"] = "欠费金额有误" }, [("receipt.pdf", "MZ\u0090 not a pdf"u8.ToArray())]));
        bad.QuerySelector("#files-error")!.TextContent.ShouldContain("receipt.pdf");
        bad.QuerySelector("#Reason")!.TextContent.ShouldBe("欠费金额有误");
        bad.QuerySelector("#RecordId option[selected]")!.GetAttribute("value").ShouldBe(recordId.ToString());

        var filed = await ParseAsync(await PostMultipartAsync(citizen, "/me/disputes",
            new() { ["RecordId"] = recordId.ToString(), ["Reason"] = "欠费金额有误" }, [("receipt.pdf", Pdf)]));
        filed.QuerySelector(".success")!.TextContent.ShouldContain("已受理");
        var section = filed.QuerySelectorAll("section.card").Single();
        section.TextContent.ShouldContain("已受理，待转交");
        section.QuerySelectorAll("tbody tr")[0].TextContent.ShouldMatch(@"\d{4}-\d{2}-\d{2}");
        var disputeId = long.Parse(DisputeNumberRegex().Match(section.QuerySelector("h3")!.TextContent).Groups[1].Value);
        var fileLink = section.QuerySelector("a[href^='/remedies/files/']")!.GetAttribute("href")!;
        (await citizen.Http.GetByteArrayAsync(fileLink, Ct)).ShouldBe(Pdf);
        var (stranger, _, _) = await CitizenWithRecordAsync("stranger9", 612);
        (await stranger.Http.GetAsync(fileLink, Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        // The supervisor reads the queue but cannot act on it.
        var auditor = await PortalClient.SignedInAs(factory, "auditor", Ct);
        var readOnly = new HtmlParser().ParseDocument(await auditor.Http.GetStringAsync("/operator/disputes", Ct));
        readOnly.QuerySelector($"tr[data-dispute='{disputeId}']").ShouldNotBeNull();
        readOnly.QuerySelectorAll("form[action*='handler=Forward'], form[action*='handler=Notify']").Length.ShouldBe(0);
        var notAllowed = await auditor.PostFormAsync("/operator/disputes?handler=Forward", new() { ["Id"] = disputeId.ToString() }, Ct, "/operator/disputes");
        notAllowed.RequestMessage!.RequestUri!.AbsolutePath.ShouldBe("/account/denied");

        var op = await PortalClient.SignedInAs(factory, "operator", Ct);
        var queue = new HtmlParser().ParseDocument(await op.Http.GetStringAsync("/operator/disputes", Ct));
        queue.QuerySelector($"tr[data-dispute='{disputeId}']").ShouldNotBeNull();
        queue.QuerySelectorAll("form[action*='handler=Forward']").Length.ShouldBeGreaterThan(0);
        var forwarded = await op.PostFormAsync("/operator/disputes?handler=Forward", new() { ["Id"] = disputeId.ToString() }, Ct, "/operator/disputes");
        (await ParseAsync(forwarded)).QuerySelector(".success")!.TextContent.ShouldContain("已转交");

        var clerk = await PortalClient.SignedInAs(factory, "water", Ct);
        var answerPage = new HtmlParser().ParseDocument(await clerk.Http.GetStringAsync($"/unit/disputes?id={disputeId}", Ct));
        answerPage.QuerySelector("#f_arrears_amount")!.GetAttribute("value").ShouldBe("900.00"); // an amount of money is shown with two decimals
        var fields = answerPage.QuerySelectorAll("form.entry-form input[name], form.entry-form select[name]")
            .Where(e => e.GetAttribute("type") != "radio" && e.GetAttribute("name") != "__RequestVerificationToken")
            .ToDictionary(e => e.GetAttribute("name")!, e => e is AngleSharp.Html.Dom.IHtmlSelectElement s ? s.Value ?? "" : e.GetAttribute("value") ?? "");
        fields["Outcome"] = "Corrected";
        fields["Text"] = "按缴费凭证更正";
        fields["arrears_amount"] = "-1";
        var refused = await ParseAsync(await clerk.PostFormAsync($"/unit/disputes?id={disputeId}", new(fields), Ct));
        refused.QuerySelector("#f_arrears_amount-error").ShouldNotBeNull();
        refused.QuerySelector("#f_arrears_amount")!.GetAttribute("value").ShouldBe("-1");
        fields["arrears_amount"] = "300";
        var answered = await ParseAsync(await clerk.PostFormAsync($"/unit/disputes?id={disputeId}", new(fields), Ct));
        answered.QuerySelector(".success")!.TextContent.ShouldContain("已答复");

        await op.PostFormAsync("/operator/disputes?handler=Notify", new() { ["Id"] = disputeId.ToString() }, Ct, "/operator/disputes");
        var inbox = new HtmlParser().ParseDocument(await citizen.Http.GetStringAsync("/inbox", Ct));
        inbox.QuerySelector("#unread")!.TextContent.ShouldContain("2 条未读"); // received, and the result
        inbox.QuerySelectorAll("article")[0].TextContent.ShouldContain("已予更正");
        await citizen.PostFormAsync("/inbox?handler=Read", [], Ct, "/inbox");
        new HtmlParser().ParseDocument(await citizen.Http.GetStringAsync("/inbox?culture=en", Ct)).QuerySelector("#unread")!.TextContent.ShouldContain("0 unread");

        using var scope = factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
        var record = await db.Records.AsNoTracking().SingleAsync(r => r.Id == recordId, Ct);
        record.FieldsJson.ShouldContain("300");
        record.UnderDispute.ShouldBeFalse();
        var english = new HtmlParser().ParseDocument(await citizen.Http.GetStringAsync("/me/disputes?culture=en", Ct));
        english.QuerySelector("h1")!.TextContent.ShouldBe("Disputes of credit information");
        english.QuerySelector("section.card")!.TextContent.ShouldContain("Record wrong: corrected");
    }

    [Fact]
    public async Task RepairBeforeTheMinimum_ShowsWhenItBecomesPossible_BesideTheRecord()
    {
        var (citizen, _, recordId) = await CitizenWithRecordAsync("wu10", 613);
        var page = await ParseAsync(await PostMultipartAsync(citizen, "/me/repairs",
            new() { ["RecordId"] = recordId.ToString(), ["Statement"] = "已缴清", ["Commitment"] = "true" }, [("r.pdf", Pdf)]));
        page.QuerySelector("#RecordId-error")!.TextContent.ShouldContain("2027-01-01"); // decided 2026-10-01, general: 3 months
        page.QuerySelector("#Statement")!.TextContent.ShouldBe("已缴清");
        page.QuerySelector("table")!.TextContent.ShouldContain("2027-10-01"); // published at most one year
    }

    [Fact]
    public async Task ASelfReport_IsReviewedByTheUnit_AndBecomesARecord()
    {
        var (citizen, subjectId, _) = await CitizenWithRecordAsync("zheng11", 614);
        var id = TestPlatform.ResidentId(new DateOnly(1980, 2, 3), 614);
        var form = new Dictionary<string, string>
        {
            ["CategoryCode"] = "P-VOLUNTEER", ["Name"] = "周九", ["Sex"] = "M", ["IdNumber"] = id, ["ActDate"] = "2026-09-09", ["Matter"] = "社区志愿服务100小时",
        };
        var wrong = await ParseAsync(await PostMultipartAsync(citizen, "/me/self-reports", form, [("c.png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1])]));
        wrong.QuerySelector("#Sex-error")!.TextContent.ShouldContain("性别");
        wrong.QuerySelector("#IdNumber")!.GetAttribute("value").ShouldBeNull(); // the ID number is not echoed back
        form["Sex"] = "F"; // the 17th digit of the ID number is even
        var done = await ParseAsync(await PostMultipartAsync(citizen, "/me/self-reports", form, [("c.png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1])]));
        done.QuerySelector(".success")!.TextContent.ShouldContain("已提交审核");
        done.Body!.InnerHtml.ShouldNotContain(id);

        var clerk = await PortalClient.SignedInAs(factory, "civil", Ct);
        var list = new HtmlParser().ParseDocument(await clerk.Http.GetStringAsync("/unit/self-reports", Ct));
        var link = list.QuerySelectorAll("a[href^='/unit/self-reports?id=']")[0].GetAttribute("href")!;
        var reportId = link.Split('=')[1];
        var review = new HtmlParser().ParseDocument(await clerk.Http.GetStringAsync(link, Ct));
        review.Body!.InnerHtml.ShouldNotContain(id); // masked for the unit
        review.QuerySelector("#f_rated_on")!.GetAttribute("value").ShouldBe("2026-09-09");
        var fields = new Dictionary<string, string> { ["Id"] = reportId, ["rated_on"] = "2026-09-09", ["rating_body"] = "金水区文明办", ["honour_level"] = "区级" };
        var notAllowed = await ParseAsync(await clerk.PostFormAsync($"/unit/self-reports?handler=Approve&id={reportId}", new(fields), Ct, link));
        notAllowed.QuerySelector("#f_honour_level-error")!.TextContent.ShouldContain("区县级");
        notAllowed.QuerySelector("#f_rating_body")!.GetAttribute("value").ShouldBe("金水区文明办");
        fields["honour_level"] = "区县级";
        var approved = await ParseAsync(await clerk.PostFormAsync($"/unit/self-reports?handler=Approve&id={reportId}", new(fields), Ct, link));
        approved.QuerySelector(".success")!.TextContent.ShouldContain("已认定");

        using var scope = factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
        (await db.Records.AsNoTracking().CountAsync(r => r.SubjectId == subjectId && r.CategoryCode == "P-VOLUNTEER", Ct)).ShouldBe(1);
    }

    [Fact]
    public async Task TheDailyJobs_RunTheRemedies_AndRecordTheRetentionRunInTheAuditChain()
    {
        var jobs = new DailyJobs(factory.Services, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<DailyJobs>.Instance);
        using var scope = factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
        var before = await db.AuditEntries.CountAsync(a => a.Kind == "retention-run", Ct);

        await jobs.RunOnceAsync(Ct);

        (await db.AuditEntries.CountAsync(a => a.Kind == "retention-run", Ct)).ShouldBe(before + 1);
        Shangding.Core.Audit.AuditChain.Verify(await db.AuditEntries.AsNoTracking().OrderBy(a => a.Id).ToListAsync(Ct)).ShouldBeNull();
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenRegex();

    [GeneratedRegex(@"第 (\d+) 号")]
    private static partial Regex DisputeNumberRegex();
}
