using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AngleSharp.Html.Parser;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Shangding.Core.Access;
using Shangding.Core.Data;
using Shangding.Testing;
using Shangding.Web.Access;
using Shangding.Web.Tests.Infrastructure;
using static Shangding.Web.Tests.Access.AccessTestSupport;

namespace Shangding.Web.Tests.Access;

public sealed class AccessJourneyTests(ShangdingWebFactory factory) : IClassFixture<ShangdingWebFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Citizen_SeesOwnRecordsOfEveryClass_AndTheSelfQueryIsLogged()
    {
        var citizen = await Citizen(factory, Ct);
        var page = new HtmlParser().ParseDocument(await citizen.Http.GetStringAsync("/me/records", Ct));
        var rows = page.QuerySelectorAll("tbody tr").Select(r => r.TextContent).ToList();
        rows.Count.ShouldBe(3);
        rows.ShouldContain(r => r.Contains("志愿者") && r.Contains("A 社会公开") && r.Contains("市文明办"));
        rows.ShouldContain(r => r.Contains("B 部门共享") && r.Contains("市自来水公司"));
        rows.ShouldContain(r => r.Contains("信贷违约") && r.Contains("C 有限共享"));
        page.Body!.TextContent.ShouldNotContain(AccessDemo.CitizenId);

        var log = await Log(factory, Ct);
        log.ShouldContain(q => q.QuerierRole == Roles.Citizen && q.Scope == "records" && q.Purpose == "self-query" && q.Outcome == QueryOutcome.Allowed);
    }

    [Fact]
    public async Task Grant_IsUsed_ShowsInMyQueries_ThenRevokedAndTheNextQueryIsRefused()
    {
        var citizen = await Citizen(factory, Ct);
        await OptIn(factory, Ct);
        var code = await Grant(citizen, factory, "bank", GrantScopes.Score, null, Ct);
        var bank = ApiClient(factory, await TokenFor(factory, "bank", Ct));

        var answer = await Query(bank, "score", code, ct: Ct);
        answer.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = JsonDocument.Parse(await answer.Content.ReadAsStringAsync(Ct)).RootElement;
        body.GetProperty("optedIn").GetBoolean().ShouldBeTrue();
        body.GetProperty("score").GetInt32().ShouldBeGreaterThan(0);
        body.GetProperty("level").GetString().ShouldNotBeNullOrEmpty();
        body.GetProperty("records").ValueKind.ShouldBe(JsonValueKind.Null); // a score grant shows no records

        // Beyond the scope: a score grant does not open the report.
        (await Query(bank, "report", code, ct: Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        var queries = new HtmlParser().ParseDocument(await citizen.Http.GetStringAsync("/me/queries", Ct));
        var bankRows = queries.QuerySelectorAll("tbody tr").Where(r => r.TextContent.Contains("郑州某银行")).Select(r => r.TextContent).ToList();
        bankRows.ShouldContain(r => r.Contains("已准许") && r.Contains("租房") && r.Contains("商鼎分及等级"));
        bankRows.ShouldContain(r => r.Contains("已拒绝") && r.Contains("超出授权范围") && r.Contains("完整信用报告"));
        bankRows.ShouldAllBe(r => !r.Contains("score") && !r.Contains("report")); // what was asked, in words, not codes

        // Revoke on the page: the very next query is refused, and logged as refused.
        var grants = new HtmlParser().ParseDocument(await citizen.Http.GetStringAsync("/me/grants", Ct));
        var grantInputs = grants.QuerySelectorAll("input[name=GrantId]");
        var grantId = grantInputs[0].GetAttribute("value")!; // newest first
        var revoked = await citizen.PostFormAsync("/me/grants?handler=Revoke", new() { ["GrantId"] = grantId }, Ct, "/me/grants");
        (await revoked.Content.ReadAsStringAsync(Ct)).ShouldContain("授权已撤销");
        (await Query(bank, "score", code, ct: Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var last = (await Log(factory, Ct)).Last();
        (last.Outcome, last.RefusalReason, last.QuerierName).ShouldBe((QueryOutcome.Refused, RefusalReasons.GrantRevoked, "郑州某银行"));

        queries = new HtmlParser().ParseDocument(await citizen.Http.GetStringAsync("/me/queries", Ct));
        queries.QuerySelectorAll("tbody tr").Select(r => r.TextContent).ShouldContain(r => r.Contains("授权已撤销"));
    }

    [Fact]
    public async Task ThirdParty_WithoutGrant_WithAnotherOrganisationsGrant_OrExpired_IsRefusedWithTheSameAnswer()
    {
        var citizen = await Citizen(factory, Ct);
        var code = await Grant(citizen, factory, "bank", GrantScopes.Level, null, Ct);
        var bank = ApiClient(factory, await TokenFor(factory, "bank", Ct));
        var library = ApiClient(factory, await TokenFor(factory, "library", Ct));

        var noGrant = await Query(bank, "level", null, ct: Ct);
        var otherOrganisation = await Query(library, "level", code, ct: Ct);
        var wrongName = await Query(bank, "level", code, subject: Subject(name: "李四"), ct: Ct);
        var nobody = await Query(bank, "level", code, subject: Subject(TestPlatform.ResidentId(new DateOnly(1970, 1, 1), 999), "张三"), ct: Ct);
        foreach (var refused in new[] { noGrant, otherOrganisation, wrongName, nobody })
        {
            refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        }

        // "No such person" and "not allowed" cannot be told apart.
        // (Each answer carries its own request trace id; everything else is identical.)
        var bodies = new[] { noGrant, otherOrganisation, wrongName, nobody }
            .Select(r => System.Text.RegularExpressions.Regex.Replace(r.Content.ReadAsStringAsync(Ct).Result, "\"traceId\":\"[^\"]*\"", "")).Distinct().ToList();
        bodies.Count.ShouldBe(1);
        bodies[0].ShouldNotContain("no-subject");

        (await Query(bank, "level", code, ct: Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
            await db.AccessGrants.Where(g => g.RecipientName == "郑州某银行" && g.Scope == GrantScopes.Level)
                .ExecuteUpdateAsync(s => s.SetProperty(g => g.ExpiresAt, DateTime.UtcNow.AddMinutes(-1)), Ct);
        }

        (await Query(bank, "level", code, ct: Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var reasons = (await Log(factory, Ct)).Where(q => q.QuerierName is "郑州某银行" or "郑州图书馆").Select(q => q.RefusalReason).ToList();
        reasons.ShouldContain(RefusalReasons.GrantRequired);
        reasons.ShouldContain(RefusalReasons.GrantOtherRecipient);
        reasons.ShouldContain(RefusalReasons.NoSubject);
        reasons.ShouldContain(RefusalReasons.GrantExpired);
    }

    [Fact]
    public async Task NoSuchPerson_AndNotAllowed_TakeTheMinimumTime()
    {
        var bank = ApiClient(factory, await TokenFor(factory, "bank", Ct));
        foreach (var subject in new[] { Subject(), Subject(TestPlatform.ResidentId(new DateOnly(1971, 2, 2), 998), "张三") })
        {
            var watch = Stopwatch.StartNew();
            (await Query(bank, "level", "SDG-0000-0000-0000-0000", subject: subject, ct: Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
            watch.Elapsed.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(140));
        }
    }

    [Fact]
    public async Task Government_NeedsALetter_GetsAAndB_AndCOnlyAsANamedBody()
    {
        var police = ApiClient(factory, await TokenFor(factory, "police", Ct));
        (await Query(police, "report", letter: null, purpose: "案件调查", ct: Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await Query(police, "report", letter: "郑公函〔2026〕18号", purpose: null, ct: Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        var answer = await Query(police, "report", letter: "郑公函〔2026〕18号", purpose: "案件调查", ct: Ct);
        answer.StatusCode.ShouldBe(HttpStatusCode.OK);
        var classes = JsonDocument.Parse(await answer.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("records").EnumerateArray()
            .Select(r => r.GetProperty("infoClass").GetString()).ToList();
        classes.ShouldBe(["A", "B"], ignoreOrder: true);

        var pboc = ApiClient(factory, await TokenFor(factory, "pboc", Ct));
        var named = await Query(pboc, "records", letter: "郑银函〔2026〕3号", purpose: "征信核查", ct: Ct);
        JsonDocument.Parse(await named.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("records").EnumerateArray()
            .Select(r => r.GetProperty("category").GetString()).ShouldContain("P-CREDIT-DEFAULT");

        var log = await Log(factory, Ct);
        log.ShouldContain(q => q.QuerierName == "市公安局 查询员" && q.RefusalReason == RefusalReasons.LetterRequired);
        log.ShouldContain(q => q.QuerierName == "市公安局 查询员" && q.LetterNumber == "郑公函〔2026〕18号" && q.Outcome == QueryOutcome.Allowed);
    }

    [Fact]
    public async Task BenefitCheck_AnswersOnlyYesOrNo_UnderABenefitGrantForThatBenefit()
    {
        var citizen = await Citizen(factory, Ct);
        var code = await Grant(citizen, factory, "library", GrantScopes.Benefit, "library-card-no-deposit", Ct);
        var library = ApiClient(factory, await TokenFor(factory, "library", Ct));

        var answer = await library.PostAsJsonAsync("/api/v1/benefit-checks",
            new { subject = Subject(), benefit = "library-card-no-deposit", purpose = "办理读书证", grantCode = code }, Ct);
        answer.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = JsonDocument.Parse(await answer.Content.ReadAsStringAsync(Ct)).RootElement;
        body.EnumerateObject().Select(p => p.Name).ShouldBe(["queryId", "benefit", "eligible"]);

        (await library.PostAsJsonAsync("/api/v1/benefit-checks",
            new { subject = Subject(), benefit = "rental-deposit-waiver", purpose = "x", grantCode = code }, Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await Query(library, "level", code, ct: Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await library.PostAsJsonAsync("/api/v1/benefit-checks",
            new { subject = Subject(), benefit = "no-such-benefit", purpose = "x", grantCode = code }, Ct)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task OperatorPages_ShowAVerifiedChain_AndSearchTheLogByMaskedSubject()
    {
        await Citizen(factory, Ct);
        var op = await PortalClient.SignedInAs(factory, "operator", Ct);
        var audit = await op.PostFormAsync("/operator/audit?handler=Verify", new(), Ct, "/operator/audit");
        var html = await audit.Content.ReadAsStringAsync(Ct);
        html.ShouldContain("校验通过");

        var search = await op.PostFormAsync("/operator/query-log", new() { ["SubjectId"] = AccessDemo.CitizenId }, Ct);
        var page = await search.Content.ReadAsStringAsync(Ct);
        page.ShouldNotContain(AccessDemo.CitizenId);
        page.ShouldContain(AccessDemo.CitizenId[..4] + "**********");
        new HtmlParser().ParseDocument(page).QuerySelectorAll("tbody tr").Length.ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task TheQueryLogSearch_WithAMistypedNumber_SaysWhatIsWrongWithIt_WithoutShowingIt()
    {
        await Citizen(factory, Ct);
        var op = await PortalClient.SignedInAs(factory, "operator", Ct);
        var typo = AccessDemo.CitizenId[..17] + (AccessDemo.CitizenId[17] == '1' ? "2" : "1");
        foreach (var (number, culture, expected) in new[]
        {
            (typo, "", "校验位错误"), (AccessDemo.CitizenId[..16], "", "位数不对"), (typo, "?culture=en", "The check digit of the ID number is wrong"),
        })
        {
            var html = await (await op.PostFormAsync("/operator/query-log" + culture, new() { ["SubjectId"] = number }, Ct, "/operator/query-log")).Content.ReadAsStringAsync(Ct);
            html.ShouldNotContain(number);
            var page = new HtmlParser().ParseDocument(html);
            page.QuerySelector(".id-problem")!.TextContent.ShouldContain(expected);
            page.QuerySelectorAll("tbody tr").Length.ShouldBe(0);
        }

        // The right number finds its entries, and says nothing of a problem.
        var found = new HtmlParser().ParseDocument(await (await op.PostFormAsync("/operator/query-log", new() { ["SubjectId"] = AccessDemo.CitizenId }, Ct)).Content.ReadAsStringAsync(Ct));
        found.QuerySelector(".id-problem").ShouldBeNull();
        found.QuerySelectorAll("tbody tr").Length.ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task PublicPages_ShowBenefitsAndOnlyPublishedClassA_AndSearchNeedsNameAndIdentifier()
    {
        var client = new PortalClient(factory);
        var benefits = await client.Http.GetStringAsync("/public/benefits", Ct);
        benefits.ShouldContain("市图书馆免押金办理读书证");
        benefits.ShouldContain("信用优秀及以上");

        var lists = new HtmlParser().ParseDocument(await client.Http.GetStringAsync("/public/lists?list=severe", Ct));
        lists.QuerySelector("h1")!.TextContent.ShouldContain("信用信息公示");
        foreach (var code in lists.QuerySelectorAll("tbody code").Select(c => c.TextContent))
        {
            code.ShouldContain("*"); // masked person IDs (organisation codes are public and shown whole)
        }

        var found = await client.PostFormAsync("/public/lists", new() { ["Name"] = AccessDemo.CitizenName, ["Identifier"] = AccessDemo.CitizenId }, Ct);
        var result = new HtmlParser().ParseDocument(await found.Content.ReadAsStringAsync(Ct));
        var text = result.Body!.TextContent;
        text.ShouldContain("志愿者");          // class A, public
        text.ShouldNotContain("信贷违约");      // class C
        text.ShouldNotContain("自来水");         // class B
        text.ShouldNotContain(AccessDemo.CitizenId);

        var api = await factory.CreateClient().PostAsJsonAsync("/api/v1/public/search", new { name = AccessDemo.CitizenName }, Ct);
        api.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var listApi = JsonDocument.Parse(await factory.CreateClient().GetStringAsync("/api/v1/public/lists/red", Ct)).RootElement;
        listApi.GetProperty("list").GetString().ShouldBe("red");
        JsonDocument.Parse(await factory.CreateClient().GetStringAsync("/api/v1/public/benefits", Ct)).RootElement.GetArrayLength().ShouldBe(7);
    }

    [Fact]
    public async Task Export_DownloadsEverythingAboutMe_AsJson_AndIsLogged()
    {
        var citizen = await Citizen(factory, Ct);
        await FileRemedies(factory, Ct);

        var response = await citizen.PostFormAsync("/me/export", new(), Ct);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/json");
        var json = await response.Content.ReadAsStringAsync(Ct);
        var doc = JsonDocument.Parse(json).RootElement;
        doc.GetProperty("subject").GetProperty("idNumber").GetString().ShouldBe(AccessDemo.CitizenId);
        doc.GetProperty("records").GetArrayLength().ShouldBe(3);
        doc.GetProperty("recordHistory").GetArrayLength().ShouldBeGreaterThanOrEqualTo(3);
        doc.GetProperty("queries").GetArrayLength().ShouldBeGreaterThan(0);

        var dispute = doc.GetProperty("disputes").EnumerateArray().Single();
        (dispute.GetProperty("reason").GetString(), dispute.GetProperty("status").GetString()).ShouldBe(("荣誉级别登记有误", "Forwarded"));
        dispute.GetProperty("answerDue").GetString().ShouldNotBeNullOrEmpty();
        dispute.EnumerateObject().Select(p => p.Name).ShouldNotContain("forwardedBy"); // staff accounts are not the subject's data
        var repair = doc.GetProperty("repairApplications").EnumerateArray().Single();
        (repair.GetProperty("statement").GetString(), repair.GetProperty("status").GetString()).ShouldBe(("欠费已缴清", "Pending"));
        repair.GetProperty("decisionDue").GetString().ShouldNotBeNullOrEmpty();
        var report = doc.GetProperty("selfReports").EnumerateArray().Single();
        (report.GetProperty("matter").GetString(), report.GetProperty("categoryCode").GetString()).ShouldBe(("社区志愿服务 40 小时", "P-VOLUNTEER"));

        // The evidence files: name, type, size and date — not the bytes, which stay downloadable by the applicant.
        var files = doc.GetProperty("evidenceFiles").EnumerateArray().ToList();
        files.Select(f => (f.GetProperty("ownerKind").GetString(), f.GetProperty("fileName").GetString(), f.GetProperty("contentType").GetString(), f.GetProperty("sizeBytes").GetInt64()))
            .ShouldBe([("dispute", "核对材料.pdf", "application/pdf", ProofPdf.Length), ("repair", "缴费凭证.png", "image/png", ProofPng.Length),
                ("self-report", "志愿服务证明.pdf", "application/pdf", ProofPdf.Length)], ignoreOrder: true);
        files.Select(f => f.EnumerateObject().Select(p => p.Name).ToList()).ShouldAllBe(names => names.Contains("uploadedAt") && !names.Contains("content"));
        json.ShouldNotContain(Convert.ToBase64String(ProofPdf));
        (await citizen.Http.GetByteArrayAsync(files[0].GetProperty("download").GetString(), Ct)).Length.ShouldBeGreaterThan(0);

        // The inbox, with how each message went out.
        var kinds = doc.GetProperty("notifications").EnumerateArray().Select(n => n.GetProperty("kind").GetString()).ToList();
        kinds.ShouldContain("dispute-filed");
        doc.GetProperty("notifications").EnumerateArray().First().GetProperty("bodyZh").GetString().ShouldNotBeNullOrWhiteSpace();
        doc.GetProperty("notificationDeliveries").ValueKind.ShouldBe(JsonValueKind.Array);
        (await Log(factory, Ct)).ShouldContain(q => q.Scope == "export" && q.Purpose == "self-export");
    }
}
