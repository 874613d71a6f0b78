using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Shangding.Core.Data;
using Shangding.Core.Notifications;
using Shangding.Core.Remedies;
using Shangding.Web.Access;
using Shangding.Web.Tests.Infrastructure;
using static Shangding.Web.Tests.Access.AccessTestSupport;

namespace Shangding.Web.Tests.Portals;

/// <summary>
/// The links between modules: my records → dispute / repair, the under-dispute marker, retired
/// records left out, the header's unread count, the unit desk and the operator dashboard → their queues.
/// </summary>
public sealed class CrossLinkTests(ShangdingWebFactory factory) : IClassFixture<ShangdingWebFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<IDocument> Page(PortalClient client, string url) =>
        new HtmlParser().ParseDocument(await client.Http.GetStringAsync(url, Ct));

    private async Task<long> RecordIdOf(string categoryCode)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
        var subject = await db.Subjects.SingleAsync(s => s.IdHash == scope.ServiceProvider.GetRequiredService<Shangding.Core.Subjects.IdentityProtector>().LookupHash(AccessDemo.CitizenId), Ct);
        return await db.Records.Where(r => r.SubjectId == subject.Id && r.CategoryCode == categoryCode).Select(r => r.Id).SingleAsync(Ct);
    }

    private static IElement RowOf(IDocument page, long recordId) =>
        page.QuerySelectorAll("tbody tr").Single(r => r.QuerySelector($"a[href='/me/disputes?recordId={recordId}']") is not null);

    [Fact]
    public async Task MyRecords_LinkEachRecordToADispute_AndEachBadRecordInForceToRepair()
    {
        var citizen = await Citizen(factory, Ct);
        var volunteer = await RecordIdOf("P-VOLUNTEER");
        var water = await RecordIdOf("P-ARREARS-WATER");
        var page = await Page(citizen, "/me/records");

        var good = RowOf(page, volunteer);
        good.QuerySelectorAll("a[href^='/me/repairs']").Length.ShouldBe(0); // nothing to repair in a good record
        var bad = RowOf(page, water);
        bad.QuerySelector($"a[href='/me/repairs?recordId={water}']").ShouldNotBeNull();
        foreach (var row in page.QuerySelectorAll("tbody tr"))
        {
            row.QuerySelectorAll("a[href^='/me/disputes?recordId=']").Length.ShouldBe(1);
        }

        // The link opens the dispute form with the record chosen, and the repair form likewise.
        var dispute = await Page(citizen, $"/me/disputes?recordId={water}");
        dispute.QuerySelector("#RecordId option[selected]")!.GetAttribute("value").ShouldBe(water.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var repair = await Page(citizen, $"/me/repairs?recordId={water}");
        repair.QuerySelector("#RecordId option[selected]")!.GetAttribute("value").ShouldBe(water.ToString(System.Globalization.CultureInfo.InvariantCulture));

        // In English too.
        var english = await Page(citizen, "/me/records?culture=en");
        RowOf(english, water).TextContent.ShouldContain("Apply for credit repair");
    }

    [Fact]
    public async Task MyRecords_MarkTheRecordUnderDispute_AndOnlyThatOne()
    {
        var citizen = await Citizen(factory, Ct);
        var disputed = await RecordIdOf("P-ARREARS-WATER");
        var other = await RecordIdOf("P-VOLUNTEER");
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
            await db.Records.Where(r => r.Id == disputed).ExecuteUpdateAsync(s => s.SetProperty(r => r.UnderDispute, true), Ct);
        }

        try
        {
            var page = await Page(citizen, "/me/records");
            RowOf(page, disputed).QuerySelector(".under-dispute")!.TextContent.ShouldBe("异议处理中");
            RowOf(page, other).QuerySelector(".under-dispute").ShouldBeNull();
            (await Page(citizen, "/me/records?culture=en")).QuerySelector(".under-dispute")!.TextContent.ShouldBe("Under dispute");

            // The overview counts it and leads to the disputes.
            var overview = await Page(citizen, "/me");
            overview.QuerySelector("main .under-dispute")!.TextContent.ShouldBe("1 条记录异议处理中");
            overview.QuerySelector("main .under-dispute + a")!.GetAttribute("href").ShouldBe("/me/disputes");
        }
        finally
        {
            await using var scope = factory.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
            await db.Records.Where(r => r.Id == disputed).ExecuteUpdateAsync(s => s.SetProperty(r => r.UnderDispute, false), Ct);
        }
    }

    [Fact]
    public async Task MyRecords_LeaveOutARecordRetiredByRetention()
    {
        var citizen = await Citizen(factory, Ct);
        var retiredId = await RecordIdOf("P-CREDIT-DEFAULT");
        var before = await Page(citizen, "/me/records");
        before.QuerySelectorAll($"a[href='/me/disputes?recordId={retiredId}']").Length.ShouldBe(1);
        var rowsBefore = before.QuerySelectorAll("tbody tr").Length;

        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
            var record = await db.Records.SingleAsync(r => r.Id == retiredId, Ct);
            db.RetiredRecords.Add(new RetiredRecord { RecordId = retiredId, SubjectId = record.SubjectId, Reason = "retention-5y", At = DateTime.UtcNow });
            await db.SaveChangesAsync(Ct);
        }

        try
        {
            var after = await Page(citizen, "/me/records");
            after.QuerySelectorAll($"a[href='/me/disputes?recordId={retiredId}']").Length.ShouldBe(0);
            after.QuerySelectorAll("tbody tr").Length.ShouldBe(rowsBefore - 1);
            after.Body!.TextContent.ShouldContain($"共 {rowsBefore - 1} 条记录");
        }
        finally
        {
            await using var scope = factory.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
            await db.RetiredRecords.Where(r => r.RecordId == retiredId).ExecuteDeleteAsync(Ct);
        }
    }

    [Fact]
    public async Task WhoQueriedMe_ShowsTimesInChinaTime_WhateverTheServersTimeZone()
    {
        var citizen = await Citizen(factory, Ct);
        await citizen.Http.GetStringAsync("/me/records", Ct); // a self-query, logged
        DateTime at;
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
            var subject = await db.Subjects.SingleAsync(s => s.IdHash == scope.ServiceProvider.GetRequiredService<Shangding.Core.Subjects.IdentityProtector>().LookupHash(AccessDemo.CitizenId), Ct);
            at = await db.QueryLog.Where(q => q.SubjectId == subject.Id).OrderByDescending(q => q.Id).Select(q => q.At).FirstAsync(Ct);
        }

        var page = await Page(citizen, "/me/queries?own=true");
        var china = at.AddHours(8).ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture);
        page.QuerySelectorAll("tbody tr td:first-child").Select(td => td.TextContent.Trim()).ShouldContain(china);
    }

    [Fact]
    public async Task TheCitizenOverview_LinksToDisputesAndRepairs()
    {
        var citizen = await Citizen(factory, Ct);
        var page = await Page(citizen, "/me");
        foreach (var href in new[] { "/me/records", "/me/disputes", "/me/repairs", "/me/self-reports", "/inbox" })
        {
            page.QuerySelector($"main a[href='{href}']").ShouldNotBeNull(href);
        }

        page.QuerySelector("main .under-dispute").ShouldBeNull(); // nothing is disputed
        page.QuerySelector("#me-records-h")!.ParentElement!.QuerySelector("a[href='/me/repairs']").ShouldNotBeNull(); // 王小明 has bad records
    }

    [Fact]
    public async Task TheHeader_ShowsTheInboxWithItsUnreadCount()
    {
        var operatorClient = await PortalClient.SignedInAs(factory, "operator", Ct);
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
            var account = await db.Accounts.SingleAsync(a => a.UserName == "operator", Ct);
            await db.Notifications.Where(n => n.AccountId == account.Id).ExecuteDeleteAsync(Ct);
            var none = await Page(operatorClient, "/operator");
            none.QuerySelector("header a.inbox-link[href='/inbox']")!.TextContent.Trim().ShouldBe("消息");
            none.QuerySelector("header .unread-count").ShouldBeNull();

            var notifications = scope.ServiceProvider.GetRequiredService<NotificationService>();
            var message = new Message("test", "测试消息", "Test message", "正文", "Body");
            await notifications.SendAsync(db, account.Id, message, Ct);
            await notifications.SendAsync(db, account.Id, message, Ct);
        }

        var two = await Page(operatorClient, "/operator");
        var link = two.QuerySelector("header a.inbox-link")!;
        link.QuerySelector(".unread-count")!.TextContent.ShouldBe("2");
        link.QuerySelector(".visually-hidden")!.TextContent.ShouldBe("2 条未读");
        (await Page(operatorClient, "/operator?culture=en")).QuerySelector("header a.inbox-link .visually-hidden")!.TextContent.ShouldBe("2 unread");

        // On the inbox itself the link is the current page.
        (await Page(operatorClient, "/inbox")).QuerySelector("header a.inbox-link")!.GetAttribute("aria-current").ShouldBe("page");
    }

    [Fact]
    public async Task TheUnitDesk_LinksToItsDisputesSelfReportsAndRepairs_AndEachOpens()
    {
        var clerk = await PortalClient.SignedInAs(factory, "water", Ct);
        var desk = await Page(clerk, "/unit");
        foreach (var href in new[] { "/unit/disputes", "/unit/self-reports", "/unit/repairs" })
        {
            desk.QuerySelector($"main a[href='{href}']").ShouldNotBeNull(href);
            desk.QuerySelector($"nav.nav-area a[href='{href}']").ShouldNotBeNull(href);
            (await clerk.Http.GetAsync(href, Ct)).StatusCode.ShouldBe(System.Net.HttpStatusCode.OK, href);
        }
    }

    [Fact]
    public async Task TheOperatorDashboard_LinksToDisputesRepairsQueryLogAndAudit_AndEachOpens()
    {
        var op = await PortalClient.SignedInAs(factory, "operator", Ct);
        var dashboard = await Page(op, "/operator");
        foreach (var href in new[] { "/operator/disputes", "/operator/repairs", "/operator/query-log", "/operator/audit" })
        {
            dashboard.QuerySelector($"main a[href='{href}']").ShouldNotBeNull(href);
            dashboard.QuerySelector($"nav.nav-area a[href='{href}']").ShouldNotBeNull(href);
            (await op.Http.GetAsync(href, Ct)).StatusCode.ShouldBe(System.Net.HttpStatusCode.OK, href);
        }
    }

    [Fact]
    public async Task Auditor_SeesTheQueryLogAndAuditLinks_AndNoOperatorDesk()
    {
        var auditor = await PortalClient.SignedInAs(factory, "auditor", Ct);
        var page = await Page(auditor, "/operator/audit");
        var nav = page.QuerySelectorAll("nav a").Select(a => a.GetAttribute("href")).ToList();
        nav.ShouldContain("/operator/query-log");
        nav.ShouldContain("/operator/audit");
        nav.ShouldContain("/operator/disputes"); // supervisors are told of overdue disputes, and read the queue
        nav.ShouldNotContain("/operator/repairs");
        nav.ShouldNotContain("/operator");
        (await auditor.Http.GetAsync("/operator/query-log", Ct)).StatusCode.ShouldBe(System.Net.HttpStatusCode.OK);
    }
}
