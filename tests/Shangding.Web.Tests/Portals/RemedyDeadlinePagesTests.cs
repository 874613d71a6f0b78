using System.Text.RegularExpressions;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Shangding.Core.Access;
using Shangding.Core.Data;
using Shangding.Core.Intake;
using Shangding.Core.Remedies;
using Shangding.Core.Subjects;
using Shangding.Testing;
using Shangding.Web.Access;
using Shangding.Web.Tests.Infrastructure;

namespace Shangding.Web.Tests.Portals;

/// <summary>
/// The app on a moved clock in September–October 2026 (Mid-Autumn Sep 25–27, National Day Oct 1–7,
/// make-up working days Sun Sep 20 and Sat Oct 10): the decision deadline of a repair application and
/// of a self-report on every page that lists them, and the operator dashboard's overdue disputes and
/// decisions, most urgent first.
/// </summary>
public sealed partial class RemedyDeadlinePagesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string Id = TestPlatform.ResidentId(new DateOnly(1980, 5, 6), 461);
    private static readonly byte[] Pdf = [.. "%PDF-1.7\n"u8.ToArray(), .. new byte[64]];

    private static IntakeRow Arrears(int n) => new(n, null, new Dictionary<string, string?>
    {
        ["record_key"] = $"DUE-{n}", ["name"] = "吴十", ["id_type"] = "居民身份证", ["id_number"] = Id, ["customer_address"] = "郑州市", ["arrears_from"] = "2025-01-01",
        ["arrears_counted_to"] = "2025-12-31", ["arrears_quantity"] = "3", ["arrears_amount"] = (100 * n).ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["determining_body"] = "市自来水公司", ["determined_on"] = "2026-06-01",
    }, []);

    private static async Task<IDocument> PageAsync(PortalClient client, string url) =>
        new HtmlParser().ParseDocument(await client.Http.GetStringAsync(url, Ct));

    private static async Task<PortalClient> SignInAsync(ShangdingWebFactory app, string user) => await PortalClient.SignedInAs(app, user, Ct);

    private static string Due(IElement within) => within.QuerySelector(".decision-due")!.TextContent.Trim();

    [Fact]
    public async Task Deadlines_OnEveryPage_AndTheDashboardListsTheMostUrgentOverdueFirst()
    {
        var clock = MovableClock.At(2026, 9, 14);
        await using var app = new ShangdingWebFactory { Clock = clock };
        long citizenAccount;
        Dictionary<string, long> records;
        using (var scope = app.Services.CreateScope())
        {
            var services = scope.ServiceProvider;
            var db = services.GetRequiredService<ShangdingDbContext>();
            (await services.GetRequiredService<IntakeService>().RunAsync(new IntakeRequest("WATER-SUPPLY", IntakeChannels.Batch, "test", "P-ARREARS-WATER"),
                [.. Enumerable.Range(1, 6).Select(Arrears)], null, Ct)).Created.ShouldBe(6);
            var subject = await db.Subjects.SingleAsync(s => s.IdHash == services.GetRequiredService<IdentityProtector>().LookupHash(Id), Ct);
            citizenAccount = (await services.GetRequiredService<AccountService>().CreateAsync(db, "wu10", "吴十", Roles.Citizen, DemoAccounts.Password, null, subject.Id, Ct)).Id;
            records = await db.Records.Where(r => r.SubjectId == subject.Id).ToDictionaryAsync(r => r.RecordKey, r => r.Id, Ct);

            // Six disputes filed Sep 14, 15, 16, 17, 18 and 21, none forwarded: due (3 working days)
            // Sep 17, 18, 20 (the make-up Sunday), 21, 22 and 24.
            var disputes = services.GetRequiredService<DisputeService>();
            var day = 0;
            foreach (var filed in new[] { 14, 15, 16, 17, 18, 21 })
            {
                clock.Set(new DateTimeOffset(2026, 9, filed, 10, 0, 0, TimeSpan.FromHours(8)));
                await disputes.FileAsync(db, citizenAccount, records[$"DUE-{++day}"], "欠费已结清", [], Ct);
            }

            // On Wed Sep 30 a repair application (for a disputed record) and a self-report: both due Oct 27.
            clock.Set(new DateTimeOffset(2026, 9, 30, 10, 0, 0, TimeSpan.FromHours(8)));
            (await services.GetRequiredService<RepairService>().ApplyAsync(db, citizenAccount, records["DUE-1"], "已缴清", true, [new EvidenceUpload("receipt.pdf", Pdf)], Ct))
                .DecisionDue.ShouldBe(new DateOnly(2026, 10, 27));
            (await services.GetRequiredService<SelfReportService>().SubmitAsync(db, citizenAccount,
                new SelfReportInput("P-VOLUNTEER", null, "吴十", "M", Id, "2026-09-20", "社区志愿服务"), [new EvidenceUpload("certificate.pdf", Pdf)], Ct))
                .DecisionDue.ShouldBe(new DateOnly(2026, 10, 27));
        }

        // Sep 30: every page shows the deadline, none is overdue yet.
        var citizen = await SignInAsync(app, "wu10");
        var water = await SignInAsync(app, "water");
        var civil = await SignInAsync(app, "civil");
        var op = await SignInAsync(app, "operator");
        var pages = new (PortalClient Client, string Url, string Item)[]
        {
            (citizen, "/me/repairs", "main tbody tr"),
            (citizen, "/me/self-reports", "main tbody tr"),
            (water, "/unit/repairs", "section.card"),
            (op, "/operator/repairs", "section.card"),
            (civil, "/unit/self-reports", "main table tbody tr"),
        };
        foreach (var (client, url, item) in pages)
        {
            var row = (await PageAsync(client, url)).QuerySelectorAll(item).First(e => e.QuerySelector(".decision-due") is not null);
            Due(row).ShouldBe("2026-10-27", url);
            row.QuerySelector(".overdue-tag").ShouldBeNull(url);
        }

        // The repair concerns a record under dispute: the staff pages say so.
        foreach (var (client, url) in new[] { (water, "/unit/repairs"), (op, "/operator/repairs") })
        {
            (await PageAsync(client, url)).QuerySelector("section.card h2 .under-dispute")!.TextContent.ShouldBe("异议处理中", url);
        }

        var dashboard = await PageAsync(op, "/operator");
        var disputesCard = dashboard.QuerySelector("#overdue-disputes")!;
        disputesCard.QuerySelector(".overdue-count")!.TextContent.ShouldBe("6 个异议处理环节已逾期");
        var urgent = disputesCard.QuerySelectorAll("ul.urgent li");
        urgent.Length.ShouldBe(5); // the most urgent few; the queue has them all
        // The first filed is the latest: due Sep 17, then Sep 18, 20, 21, 22 and 24 (not listed).
        Items(urgent).ShouldBe([("2026-09-17", 9), ("2026-09-18", 8), ("2026-09-20", 7), ("2026-09-21", 6), ("2026-09-22", 5)]);
        urgent[0].TextContent.ShouldContain("市信用中心转交");
        disputesCard.QuerySelector("a[href='/operator/disputes?overdue=true']").ShouldNotBeNull();
        dashboard.QuerySelector("#overdue-decisions")!.TextContent.ShouldContain("没有逾期未决定的信用修复申请或自主申报。");

        // Wed Oct 28: one working day late, everywhere; the dashboard lists both decisions.
        clock.Set(new DateTimeOffset(2026, 10, 28, 9, 0, 0, TimeSpan.FromHours(8)));
        citizen = await SignInAsync(app, "wu10");
        water = await SignInAsync(app, "water");
        civil = await SignInAsync(app, "civil");
        op = await SignInAsync(app, "operator");
        pages = [(citizen, pages[0].Url, pages[0].Item), (citizen, pages[1].Url, pages[1].Item), (water, pages[2].Url, pages[2].Item), (op, pages[3].Url, pages[3].Item), (civil, pages[4].Url, pages[4].Item)];
        foreach (var (client, url, item) in pages)
        {
            var row = (await PageAsync(client, url)).QuerySelectorAll(item).First(e => e.QuerySelector(".decision-due") is not null);
            row.QuerySelector(".overdue-tag")!.TextContent.Trim().ShouldBe("已逾期 1 个工作日", url);
            Due(row).ShouldStartWith("2026-10-27", customMessage: url);
        }

        var english = await PageAsync(civil, "/unit/self-reports?culture=en");
        english.QuerySelector("main table tbody tr .overdue-tag")!.TextContent.Trim().ShouldBe("1 working day(s) overdue");

        dashboard = await PageAsync(op, "/operator");
        var decisions = dashboard.QuerySelector("#overdue-decisions")!;
        decisions.QuerySelector(".overdue-count")!.TextContent.ShouldBe("2 件已逾期");
        var listed = decisions.QuerySelectorAll("ul.urgent li");
        var texts = listed.Select(l => l.TextContent).ToList();
        texts.Count.ShouldBe(2);
        texts.ShouldContain(t => t.Contains("修复申请") && t.Contains("市自来水公司") && t.Contains("期限 2026-10-27") && t.Contains("已逾期 1 个工作日"));
        texts.ShouldContain(t => t.Contains("自主申报") && t.Contains("市文明办") && t.Contains("期限 2026-10-27") && t.Contains("已逾期 1 个工作日"));
        dashboard = await PageAsync(op, "/operator?culture=en");
        dashboard.QuerySelector("#overdue-decisions .overdue-count")!.TextContent.ShouldBe("2 overdue");
        dashboard.QuerySelector("#overdue-disputes .overdue-count")!.TextContent.ShouldBe("6 dispute step(s) overdue");
    }

    private static IEnumerable<(string Due, int Late)> Items(IEnumerable<IElement> items) =>
        items.Select(i => (DueRegex().Match(i.TextContent).Groups[1].Value, int.Parse(LateRegex().Match(i.TextContent).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)));

    [GeneratedRegex(@"期限 (\d{4}-\d{2}-\d{2})")]
    private static partial Regex DueRegex();

    [GeneratedRegex(@"已逾期 (\d+) 个工作日")]
    private static partial Regex LateRegex();
}
