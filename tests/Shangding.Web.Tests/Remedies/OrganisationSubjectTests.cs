using System.Net;
using System.Text.RegularExpressions;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Shangding.Core.Access;
using Shangding.Core.Data;
using Shangding.Core.Subjects;
using Shangding.Web.Access;
using Shangding.Web.Tests.Access;
using Shangding.Web.Tests.Infrastructure;

namespace Shangding.Web.Tests.Remedies;

/// <summary>
/// An organisation as the subject of its own records (issue 6 item 1, "or organisation"): it signs in with
/// its business-licence check, sees its records and who queried them, disputes a record — which the
/// centre forwards, the unit corrects and the body that had received the record is told of — and applies
/// for credit repair; the residents' pages (score, grants, self-reports, PIPL export) stay closed to it.
/// </summary>
public sealed partial class OrganisationSubjectTests(ShangdingWebFactory factory) : IClassFixture<ShangdingWebFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly byte[] Pdf = [.. "%PDF-1.7\n"u8.ToArray(), .. new byte[64]];

    private static Dictionary<string, string> Demo(string? name = null, string? uscc = null) => new()
    {
        ["Name"] = name ?? AccessDemo.OrganisationName,
        ["Uscc"] = uscc ?? AccessDemo.OrganisationUscc,
        ["Code"] = DevelopmentRealNameVerifier.Code,
    };

    private static async Task<IHtmlDocument> ParseAsync(HttpResponseMessage response) =>
        new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync(Ct));

    private static async Task<int> OrganisationAccountsAsync(WebApplicationFactory<Program> app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ShangdingDbContext>().Accounts.CountAsync(a => a.Role == Roles.Organisation, Ct);
    }

    private static async Task<HttpResponseMessage> PostMultipartAsync(PortalClient client, string url, Dictionary<string, string> fields, byte[] file)
    {
        var page = await client.Http.GetStringAsync(url, Ct);
        using var form = new MultipartFormDataContent { { new StringContent(TokenRegex().Match(page).Groups[1].Value), "__RequestVerificationToken" } };
        foreach (var (name, value) in fields)
        {
            form.Add(new StringContent(value), name);
        }

        form.Add(new ByteArrayContent(file), "files", "proof.pdf");
        return await client.Http.PostAsync(url, form, Ct);
    }

    [Fact]
    public async Task SignIn_RefusesAWrongCodeOrName_BesideTheField_AndSignsNobodyIn()
    {
        var client = new PortalClient(factory);
        var form = new HtmlParser().ParseDocument(await client.Http.GetStringAsync("/account/organisation", Ct));
        form.QuerySelector("[role=note]")!.TextContent.ShouldContain("开发用法人核验"); // never mistaken for the real check
        form.QuerySelector("input[name=Uscc]").ShouldNotBeNull();

        var before = await OrganisationAccountsAsync(factory);
        var last = AccessDemo.OrganisationUscc[^1];
        var wrongCheck = AccessDemo.OrganisationUscc[..17] + (last == '0' ? '1' : '0');
        var badCode = await ParseAsync(await client.PostFormAsync("/account/organisation", Demo(uscc: wrongCheck), Ct));
        badCode.QuerySelector("#Uscc-error")!.TextContent.ShouldContain("校验位错误");
        badCode.QuerySelector("#Uscc")!.GetAttribute("value").ShouldBe(wrongCheck); // a public code: kept for correcting

        var renamed = await ParseAsync(await client.PostFormAsync("/account/organisation", Demo(name: "郑州另一家商贸有限公司"), Ct));
        renamed.QuerySelector("#Name-error")!.TextContent.ShouldContain("名称与该统一社会信用代码在平台登记的名称不一致");
        var english = await ParseAsync(await client.PostFormAsync("/account/organisation?culture=en", Demo(name: "郑州另一家商贸有限公司"), Ct));
        english.QuerySelector("#Name-error")!.TextContent.ShouldContain("does not match the name on file");

        (await client.Http.GetAsync("/me", Ct)).RequestMessage!.RequestUri!.AbsolutePath.ShouldBe("/account/signin");
        (await OrganisationAccountsAsync(factory)).ShouldBe(before);
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
        var hash = scope.ServiceProvider.GetRequiredService<IdentityProtector>().LookupHash(AccessDemo.OrganisationUscc);
        (await db.Subjects.SingleAsync(s => s.IdHash == hash, Ct)).Name.ShouldBe(AccessDemo.OrganisationName); // unchanged
    }

    [Fact]
    public async Task InProduction_WithoutABusinessLicenceService_OrganisationSignInIsNotAvailable()
    {
        using var production = ShangdingWebFactory.In("Production");
        production.Services.GetService<IOrganisationVerifier>().ShouldBeNull();
        var client = new FormClient(production.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true }));
        var page = new HtmlParser().ParseDocument(await client.Http.GetStringAsync("/account/organisation", Ct));
        page.QuerySelector("[role=alert]")!.TextContent.ShouldContain("法人登录暂未开通");
        page.QuerySelector("form input[name=Uscc]").ShouldBeNull();

        var before = await OrganisationAccountsAsync(production);
        var posted = await client.PostFormAsync("/account/organisation", Demo(), Ct, formPage: "/account/signin");
        posted.StatusCode.ShouldBe(HttpStatusCode.OK);
        posted.Headers.TryGetValues("Set-Cookie", out var cookies);
        (cookies ?? []).ShouldNotContain(c => c.StartsWith("shangding.auth=", StringComparison.Ordinal));
        (await OrganisationAccountsAsync(production)).ShouldBe(before);
    }

    [Fact]
    public async Task AnOrganisation_SeesItsRecords_DisputesOne_TheUnitCorrectsIt_AndTheBodyThatQueriedItIsTold()
    {
        // A government body looked at the organisation's records before the dispute (a letter query).
        var police = await PortalClient.SignedInAs(factory, "police", Ct);
        (await AccessTestSupport.Query(police.Http, "report", letter: "郑公函〔2026〕88号", purpose: "案件核查",
            subject: AccessTestSupport.Subject(AccessDemo.OrganisationUscc, AccessDemo.OrganisationName), ct: Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);

        var organisation = new PortalClient(factory);
        var signedIn = await organisation.PostFormAsync("/account/organisation", Demo(), Ct);
        signedIn.RequestMessage!.RequestUri!.AbsolutePath.ShouldBe("/me");
        var overview = await ParseAsync(signedIn);
        overview.QuerySelector("h1")!.TextContent.ShouldContain(AccessDemo.OrganisationName);
        overview.QuerySelector(".id-masked")!.TextContent.ShouldBe(AccessDemo.OrganisationUscc); // an organisation's code is public
        overview.Body!.TextContent.ShouldContain("组织没有商鼎分");
        overview.QuerySelector("main")!.TextContent.ShouldContain("不良信息 1 条"); // the penalty; the licence is neutral
        var tiles = overview.QuerySelectorAll("ul.tiles a").Select(a => a.GetAttribute("href")).ToList();
        tiles.ShouldBe(["/me/records", "/me/queries", "/me/disputes", "/me/repairs", "/inbox"]);
        overview.QuerySelectorAll(".nav-area a").Select(a => a.GetAttribute("href")).ShouldNotContain("/me/score");

        foreach (var closed in new[] { "/me/score", "/me/grants", "/me/self-reports", "/me/export" })
        {
            (await organisation.Http.GetAsync(closed, Ct)).RequestMessage!.RequestUri!.AbsolutePath.ShouldBe("/account/denied", closed);
        }

        var records = new HtmlParser().ParseDocument(await organisation.Http.GetStringAsync("/me/records", Ct));
        records.QuerySelectorAll("tbody tr").Select(r => r.QuerySelector("td")!.TextContent.Trim()).Order().ShouldBe(["行政处罚 失信", "行政许可 中性"]);
        records.QuerySelectorAll("main a").Select(a => a.GetAttribute("href")).ShouldNotContain(h => h == "/me/export" || h == "/me/grants");
        (await organisation.Http.GetStringAsync("/me/queries", Ct)).ShouldContain("市公安局 查询员");

        long penaltyId, residentRecordId;
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
            penaltyId = await db.Records.Where(r => r.RecordKey == "DEMO-ORG-P-1").Select(r => r.Id).SingleAsync(Ct);
            residentRecordId = await db.Records.Where(r => r.RecordKey == "DEMO-W-1").Select(r => r.Id).SingleAsync(Ct);
        }

        // Another subject's record cannot be disputed; the organisation's own penalty can.
        var foreign = await ParseAsync(await PostMultipartAsync(organisation, "/me/disputes",
            new() { ["RecordId"] = residentRecordId.ToString(), ["Reason"] = "罚款金额有误" }, Pdf));
        foreign.QuerySelector(".success").ShouldBeNull();
        foreign.QuerySelector("#RecordId-error").ShouldNotBeNull();
        var filed = await ParseAsync(await PostMultipartAsync(organisation, "/me/disputes",
            new() { ["RecordId"] = penaltyId.ToString(), ["Reason"] = "罚款金额应为 1000 元，见处罚决定书" }, Pdf));
        filed.QuerySelector(".success")!.TextContent.ShouldContain("已受理");
        var disputeId = long.Parse(DisputeNumberRegex().Match(filed.QuerySelector("section.card h3")!.TextContent).Groups[1].Value);
        (await organisation.Http.GetStringAsync("/me/records", Ct)).ShouldContain("异议处理中");

        var op = await PortalClient.SignedInAs(factory, "operator", Ct);
        await op.PostFormAsync("/operator/disputes?handler=Forward", new() { ["Id"] = disputeId.ToString() }, Ct, "/operator/disputes");
        var amr = await PortalClient.SignedInAs(factory, "amr", Ct);
        var answerPage = new HtmlParser().ParseDocument(await amr.Http.GetStringAsync($"/unit/disputes?id={disputeId}", Ct));
        answerPage.QuerySelector("#f_fine_amount")!.GetAttribute("value").ShouldBe("2000.00"); // an amount of money is shown with two decimals
        var fields = answerPage.QuerySelectorAll("form.entry-form input[name], form.entry-form select[name]")
            .Where(e => e.GetAttribute("type") != "radio" && e.GetAttribute("name") != "__RequestVerificationToken")
            .ToDictionary(e => e.GetAttribute("name")!, e => e is IHtmlSelectElement s ? s.Value ?? "" : e.GetAttribute("value") ?? "");
        fields["Outcome"] = "Corrected";
        fields["Text"] = "按处罚决定书更正罚款金额";
        fields["fine_amount"] = "1000";
        (await ParseAsync(await amr.PostFormAsync($"/unit/disputes?id={disputeId}", fields, Ct))).QuerySelector(".success")!.TextContent.ShouldContain("已答复");
        await op.PostFormAsync("/operator/disputes?handler=Notify", new() { ["Id"] = disputeId.ToString() }, Ct, "/operator/disputes");

        (await organisation.Http.GetStringAsync("/inbox", Ct)).ShouldContain("已予更正");
        // 003 §24: the body that received the record is told, naming the organisation by its (public) code.
        var told = new HtmlParser().ParseDocument(await police.Http.GetStringAsync("/inbox", Ct)).QuerySelectorAll("article")
            .Single(a => a.TextContent.Contains("信用信息更正通知", StringComparison.Ordinal)).TextContent;
        told.ShouldContain(AccessDemo.OrganisationUscc);
        told.ShouldContain("“行政处罚”记录经异议核查已更正");
        var english = new HtmlParser().ParseDocument(await organisation.Http.GetStringAsync("/me/disputes?culture=en", Ct));
        english.QuerySelector("section.card")!.TextContent.ShouldContain("Record wrong: corrected");

        // Credit repair of the penalty (decided 130 days ago, general: published at least 3 months).
        var repair = await ParseAsync(await PostMultipartAsync(organisation, "/me/repairs",
            new() { ["RecordId"] = penaltyId.ToString(), ["Statement"] = "罚款已缴纳，已整改明码标价", ["Commitment"] = "true" }, Pdf));
        repair.QuerySelector(".success")!.TextContent.ShouldNotBeNullOrWhiteSpace();
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
            var record = await db.Records.AsNoTracking().SingleAsync(r => r.Id == penaltyId, Ct);
            record.FieldsJson.ShouldContain("1000");
            record.UnderDispute.ShouldBeFalse();
            var application = await db.RepairApplications.AsNoTracking().SingleAsync(a => a.RecordId == penaltyId, Ct);
            application.SubjectId.ShouldBe(record.SubjectId);
            (await db.Scores.AnyAsync(s => s.SubjectId == record.SubjectId, Ct)).ShouldBeFalse(); // no score for an organisation
        }
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenRegex();

    [GeneratedRegex(@"第 (\d+) 号")]
    private static partial Regex DisputeNumberRegex();
}
