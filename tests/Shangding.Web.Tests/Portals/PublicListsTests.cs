using System.Globalization;
using System.Net.Http.Json;
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

/// <summary>/public/lists: paging past page 1, the under-dispute marker in the list and in search results, errors beside the search fields.</summary>
public sealed class PublicListsTests(ShangdingWebFactory factory) : IClassFixture<ShangdingWebFactory>
{
    private const int Furnished = PublicInformation.PageSize + 5;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string IdOf(int i) => TestPlatform.ResidentId(new DateOnly(1970, 1, 1).AddDays(i * 37), 700 + i);

    /// <summary>More dishonest enforcees (serious, class A: the severe list) than fit on one page, once per server (tests of a class run one after another).</summary>
    private async Task SeedAsync()
    {
        using var scope = factory.Services.CreateScope();
        if (await scope.ServiceProvider.GetRequiredService<ShangdingDbContext>().Records.AnyAsync(r => r.RecordKey == "LISTS-1", Ct))
        {
            return;
        }

        var today = Shangding.Core.Reporting.ReportingTime.ChinaDate(DateTime.UtcNow);
        var rows = Enumerable.Range(1, Furnished).Select(i => new IntakeRow(i, null, new Dictionary<string, string?>
        {
            ["record_key"] = $"LISTS-{i}", ["case_number"] = $"（2026）豫01执{i}号", ["cause_of_action"] = "民间借贷纠纷", ["enforcing_court"] = "郑州市中级人民法院",
            ["enforcement_amount"] = "10000", ["name"] = "列表" + (char)('甲' + i), ["id_type"] = "居民身份证", ["id_number"] = IdOf(i), ["case_status"] = "执行中",
            ["act_date"] = today.AddDays(-i).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        }, [])).ToList();
        var result = await scope.ServiceProvider.GetRequiredService<IntakeService>()
            .RunAsync(new IntakeRequest("INTERMEDIATE-COURT", IntakeChannels.Batch, "test", "P-COURT-DISHONEST-ENFORCEE"), rows, null, Ct);
        result.Created.ShouldBe(Furnished);
    }

    private static IReadOnlyList<string> Entries(IDocument page) =>
        [.. page.QuerySelectorAll("main > .table-scroll").Last().QuerySelectorAll("tbody tr").Select(r => r.QuerySelector("code")!.TextContent)];

    private static async Task<IDocument> GetAsync(PortalClient client, string url) =>
        new HtmlParser().ParseDocument(await client.Http.GetStringAsync(url, Ct));

    [Fact]
    public async Task PageTwo_OpensFromTheNextLink_AndShowsOtherEntries()
    {
        await SeedAsync();
        var client = new PortalClient(factory);
        var first = await GetAsync(client, "/public/lists?list=severe");
        var next = first.QuerySelectorAll("nav.actions a").Single(a => a.TextContent.Contains("下一页", StringComparison.Ordinal)).GetAttribute("href")!;
        next.ShouldBe("/public/lists?list=severe&p=2");

        var second = await GetAsync(client, next);
        second.QuerySelector("main")!.TextContent.ShouldContain("第 2 / ");
        Entries(first).Count.ShouldBe(PublicInformation.PageSize);
        Entries(second).ShouldNotBeEmpty();
        Entries(second).Intersect(Entries(first)).ShouldBeEmpty(); // other records, not page 1 again
        // Page 2 links back to page 1.
        second.QuerySelectorAll("nav.actions a").ShouldContain(a => a.GetAttribute("href") == "/public/lists?list=severe&p=1");
    }

    [Fact]
    public async Task ARecordUnderDispute_StaysListed_MarkedInTheListAndInTheSearchResult()
    {
        await SeedAsync();
        // The subject of the newest entry (first on page 1) disputes it.
        const int disputed = 1;
        long recordId;
        using (var scope = factory.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
            var hash = scope.ServiceProvider.GetRequiredService<IdentityProtector>().LookupHash(IdOf(disputed));
            var subject = await db.Subjects.SingleAsync(s => s.IdHash == hash, Ct);
            recordId = await db.Records.Where(r => r.SubjectId == subject.Id && r.UnitCode == "INTERMEDIATE-COURT").Select(r => r.Id).SingleAsync(Ct);
            var account = await scope.ServiceProvider.GetRequiredService<AccountService>().CreateAsync(db, "lists-disputer", subject.Name, Roles.Citizen, DemoAccounts.Password, null, subject.Id, Ct);
            await scope.ServiceProvider.GetRequiredService<DisputeService>().FileAsync(db, account.Id, recordId, "案件已执行完毕", [], Ct);
        }

        var client = new PortalClient(factory);
        foreach (var (culture, marker) in new[] { ("", "异议处理中"), ("&culture=en", "Under dispute") })
        {
            var rows = new List<IElement>();
            for (var p = 1; p <= 3; p++)
            {
                var list = (await GetAsync(client, $"/public/lists?list=severe&p={p}{culture}")).QuerySelectorAll("main > .table-scroll").LastOrDefault();
                rows.AddRange(list?.QuerySelectorAll("tbody tr") ?? Enumerable.Empty<IElement>());
            }

            var row = rows.Single(r => r.QuerySelector("code")!.TextContent == Masking.Mask(IdOf(disputed)));
            row.QuerySelector(".under-dispute")!.TextContent.ShouldBe(marker);
            rows.Count(r => r.QuerySelector(".under-dispute") is not null).ShouldBe(1); // the others are not marked
        }

        var found = await client.PostFormAsync("/public/lists", new() { ["Name"] = "列表" + (char)('甲' + disputed), ["Identifier"] = IdOf(disputed) }, Ct);
        var result = new HtmlParser().ParseDocument(await found.Content.ReadAsStringAsync(Ct)).QuerySelector("main h3 + .table-scroll")!;
        result.QuerySelectorAll("tbody tr").ShouldHaveSingleItem().QuerySelector(".under-dispute")!.TextContent.ShouldBe("异议处理中");

        // The public API says so too.
        var api = await factory.CreateClient().PostAsJsonAsync("/api/v1/public/search", new { name = "列表" + (char)('甲' + disputed), idNumber = IdOf(disputed) }, Ct);
        using var json = System.Text.Json.JsonDocument.Parse(await api.Content.ReadAsStringAsync(Ct));
        var entry = json.RootElement.EnumerateArray().ShouldHaveSingleItem();
        (entry.GetProperty("recordId").GetInt64(), entry.GetProperty("underDispute").GetBoolean()).ShouldBe((recordId, true));
    }

    [Fact]
    public async Task TheSearch_ShowsEachMissingHalfBesideItsField_InThePageLanguage()
    {
        var client = new PortalClient(factory);
        foreach (var (query, name, identifier) in new[]
                 {
                     ("", "请填写姓名或名称。", "请填写完整的证件号码或统一社会信用代码。"),
                     ("?culture=en", "Enter the name.", "Enter the full ID number or unified social credit code."),
                 })
        {
            var response = await client.PostFormAsync("/public/lists" + query, new() { ["Name"] = "", ["Identifier"] = "" }, Ct);
            var page = new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync(Ct));
            AssertBeside(page, "Name", name);
            AssertBeside(page, "Identifier", identifier);
            page.QuerySelector("main .error").ShouldBeNull(); // no banner

            // Only the missing half is marked; the name typed is kept.
            response = await client.PostFormAsync("/public/lists" + query, new() { ["Name"] = "张三", ["Identifier"] = "" }, Ct);
            page = new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync(Ct));
            page.QuerySelector("#Name-error").ShouldBeNull();
            page.QuerySelector("#Name")!.GetAttribute("aria-invalid").ShouldBe("false");
            page.QuerySelector("#Name")!.GetAttribute("value").ShouldBe("张三");
            AssertBeside(page, "Identifier", identifier);
        }
    }

    /// <summary>The error of <paramref name="field"/> sits in the same field box as the input, and the input points to it.</summary>
    internal static void AssertBeside(IDocument page, string field, string message)
    {
        var input = page.QuerySelector($"#{field}")!;
        var error = page.QuerySelector($"#{field}-error")!;
        error.TextContent.Trim().ShouldBe(message);
        error.ClassList.ShouldContain("field-error");
        input.GetAttribute("aria-invalid").ShouldBe("true");
        input.GetAttribute("aria-describedby").ShouldBe($"{field}-error");
        var box = input.Closest(".field")!;
        box.ShouldBeSameAs(error.Closest(".field"));
        box.ClassList.ShouldContain("has-error");
    }
}
