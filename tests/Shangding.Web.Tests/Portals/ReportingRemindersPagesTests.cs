using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Shangding.Core.Calendar;
using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Core.Intake;
using Shangding.Core.Reporting;
using Shangding.Testing;
using Shangding.Web.Tests.Infrastructure;

namespace Shangding.Web.Tests.Portals;

/// <summary>Reminders reach the unit (page and inbox), the nil report, and the operator's lists, on a moved clock.</summary>
public sealed class ReportingRemindersPagesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static IDocument Parse(string html) => new HtmlParser().ParseDocument(html);

    private static async Task<ReminderRunResult> RunRemindersAsync(ShangdingWebFactory app, TimeProvider clock)
    {
        using var scope = app.Services.CreateScope();
        var services = scope.ServiceProvider;
        return await ReminderJob.RunAsync(services.GetRequiredService<ShangdingDbContext>(), services.GetRequiredService<CatalogDefinition>(),
            services.GetRequiredService<WorkingDayCalendar>(), clock, services.GetRequiredService<ReportingOptions>(), Ct);
    }

    [Fact]
    public async Task TheUnitSeesTheReminderNotice_InItsInboxToo_FilesANilReport_AndTheOperatorListsRemindersAndCriticism()
    {
        // Units are created (and their obligations start) on Fri 2026-02-27; nothing is reported after that.
        var clock = MovableClock.At(2026, 2, 27);
        await using var app = new ShangdingWebFactory { Clock = clock };
        await using (var scope = app.Services.CreateAsyncScope())
        {
            // Whatever the demo furnished for water is dated the day of creation.
            var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
            (await db.Units.AsNoTracking().SingleAsync(u => u.Code == "WATER-SUPPLY", Ct)).CreatedAt.ShouldBeLessThan(new DateTime(2026, 2, 28, 0, 0, 0, DateTimeKind.Utc));
        }

        // Mon 04-20: every daily period since 02-27 is overdue, and March (due 10 working days after 03-31) too. The job writes the reminders.
        clock.Set(new DateTimeOffset(2026, 4, 20, 9, 0, 0, TimeSpan.FromHours(8)));
        var run = await RunRemindersAsync(app, clock);
        var water = await PortalClient.SignedInAs(app, "water", Ct);
        var reminders = run.Written.Where(r => r.UnitCode == "WATER-SUPPLY").ToList();
        reminders.Select(r => r.CategoryCode).Order().ShouldBe(["O-FEE-ARREARS", "P-ARREARS-WATER"]);
        reminders.ShouldAllBe(r => r.ReminderDeadline == new DateOnly(2026, 4, 27));

        // The unit's page shows each notice with its make-up deadline, and the table is one labelled card per row on a phone.
        var page = Parse(await water.Http.GetStringAsync("/unit/reporting", Ct));
        var cards = page.QuerySelectorAll("#reminders article.reminder-card");
        cards.Length.ShouldBe(2);
        foreach (var card in cards)
        {
            card.QuerySelector(".notice-text")!.TextContent.ShouldContain("请最迟于2026年4月27日（含当日）补报");
            card.TextContent.ShouldContain("2026-04-27");
        }

        var table = page.QuerySelector("table#compliance")!;
        table.ClassList.ShouldContain("stack");
        var cells = table.QuerySelectorAll("tbody tr td");
        cells.ShouldAllBe(td => !string.IsNullOrEmpty(td.GetAttribute("data-label")));
        cells.Select(td => td.GetAttribute("data-label")).ShouldContain("截止日期（含当日）");
        var daily = table.QuerySelector("tr[data-category='P-ARREARS-WATER']")!;
        daily.GetAttribute("data-status").ShouldBe("Reminded");
        daily.TextContent.ShouldContain("（实时归集）");
        daily.QuerySelector("a[href^='#reminder-']").ShouldNotBeNull();

        // The inbox has the reminders too, linking to the page.
        var inbox = Parse(await water.Http.GetStringAsync("/inbox", Ct));
        var messages = inbox.QuerySelectorAll("article.inbox-item").Where(a => a.TextContent.Contains("催报通知", StringComparison.Ordinal)).ToList();
        messages.Count.ShouldBe(2);
        messages.ShouldAllBe(m => m.TextContent.Contains("2026年4月27日（含当日）", StringComparison.Ordinal) && m.QuerySelector("a[href='/unit/reporting']") != null);

        // The unit has nothing new for its daily category: it declares so (a form with antiforgery), and that answers the reminder.
        var form = daily.QuerySelector("form")!;
        var period = form.QuerySelector("input[name=period]")!.GetAttribute("value")!;
        var posted = await water.PostFormAsync("/unit/reporting?handler=Nil", new() { ["category"] = "P-ARREARS-WATER", ["period"] = period }, Ct, "/unit/reporting");
        posted.EnsureSuccessStatusCode();
        var after = Parse(await posted.Content.ReadAsStringAsync(Ct));
        after.QuerySelector("p.success")!.TextContent.ShouldContain("本期无新增信息");
        after.QuerySelector("table#compliance tr[data-category='P-ARREARS-WATER']")!.GetAttribute("data-status").ShouldBe("OnTime");
        after.QuerySelectorAll("#reminders article.reminder-card").Length.ShouldBe(1);
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
            var batch = await db.IntakeBatches.AsNoTracking().SingleAsync(b => b.Channel == IntakeChannels.NilReport, Ct);
            (batch.UnitCode, batch.CategoryCode, batch.TotalRows, batch.Status).ShouldBe(("WATER-SUPPLY", "P-ARREARS-WATER", 0, BatchStatus.Committed));
            // Its batch reads as the declaration it is, not as "nothing stored".
            var batchPage = Parse(await water.Http.GetStringAsync($"/unit/batches/{batch.Id}", Ct));
            batchPage.QuerySelector("dl.facts")!.TextContent.ShouldContain("已申报本期无新增");
            batchPage.QuerySelector("dl.facts")!.TextContent.ShouldNotContain("未入库任何记录");
        }

        // Without the antiforgery token the POST is refused.
        (await water.Http.PostAsync("/unit/reporting?handler=Nil",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["category"] = "O-FEE-ARREARS", ["period"] = "2026-03-01" }), Ct)).IsSuccessStatusCode.ShouldBeFalse();

        // The next evening the job resolves the answered reminder. On 04-28 the other one is listed for criticism.
        clock.Set(new DateTimeOffset(2026, 4, 21, 20, 0, 0, TimeSpan.FromHours(8)));
        (await RunRemindersAsync(app, clock)).Resolved.ShouldContain(r => r.UnitCode == "WATER-SUPPLY" && r.CategoryCode == "P-ARREARS-WATER");
        clock.Set(new DateTimeOffset(2026, 4, 28, 9, 0, 0, TimeSpan.FromHours(8)));
        (await RunRemindersAsync(app, clock)).ListedForCriticism.ShouldContain(r => r.UnitCode == "WATER-SUPPLY" && r.CategoryCode == "O-FEE-ARREARS");

        // The operator lists the reminders sent and the criticism list, each row with unit, category, dates and status, and links.
        var op = await PortalClient.SignedInAs(app, "operator", Ct);
        var ops = Parse(await op.Http.GetStringAsync("/operator/reporting", Ct));
        var sent = ops.QuerySelectorAll("#reminder-list tbody tr[data-unit='WATER-SUPPLY']").ToList();
        // The daily category's answered reminder, its next one (nothing reported since 04-20), and the listed monthly one.
        sent.Select(r => (r.GetAttribute("data-category"), r.GetAttribute("data-state"))).ShouldBe(
            [("O-FEE-ARREARS", "ListedForCriticism"), ("P-ARREARS-WATER", "Open"), ("P-ARREARS-WATER", "Resolved")], ignoreOrder: true);
        sent.ShouldAllBe(r => r.QuerySelectorAll("td").Length == 7);
        var listed = ops.QuerySelector("#criticism-list tbody tr[data-unit='WATER-SUPPLY']")!;
        listed.GetAttribute("data-category").ShouldBe("O-FEE-ARREARS");
        listed.TextContent.ShouldContain("2026-04-27");
        listed.TextContent.ShouldContain("2026-04-20");
        listed.TextContent.ShouldContain(reminders.Single(r => r.CategoryCode == "O-FEE-ARREARS").Deadline.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        listed.QuerySelector("a[href='/operator/reporting?unit=WATER-SUPPLY']").ShouldNotBeNull();
        listed.QuerySelector("details.reminder-notice")!.TextContent.ShouldContain("补报");

        var filtered = Parse(await op.Http.GetStringAsync("/operator/reporting?unit=WATER-SUPPLY", Ct));
        filtered.QuerySelectorAll("#compliance tbody tr").Select(r => r.GetAttribute("data-unit")).Distinct().ShouldBe(["WATER-SUPPLY"]);
        var late = Parse(await op.Http.GetStringAsync("/operator/reporting?late=true", Ct));
        late.QuerySelectorAll("#compliance tbody tr").ShouldAllBe(r => r.GetAttribute("data-status") != "OnTime" && r.GetAttribute("data-status") != "Due");
        // The status says "overdue" once: "已逾期 N 个工作日", not "已逾期 逾期 N 个工作日".
        ops.QuerySelectorAll("#compliance tr[data-status='Overdue'] td.reporting-status").ShouldAllBe(td => !td.TextContent.Contains("逾期 逾期", StringComparison.Ordinal)
            && !System.Text.RegularExpressions.Regex.IsMatch(td.TextContent, "已逾期\\s+逾期"));
    }
}
