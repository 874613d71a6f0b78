using AngleSharp.Html.Parser;
using Microsoft.Extensions.DependencyInjection;
using Shangding.Core.Intake;
using Shangding.Testing;
using Shangding.Web.Tests.Infrastructure;

namespace Shangding.Web.Tests.Portals;

/// <summary>
/// A unit's batches of an API request that mixed categories (its batch names none). Apart from UnitPortalTests, whose
/// lock-out test locks the court's clerk.
/// </summary>
public sealed class UnitBatchesTests(ShangdingWebFactory factory) : IClassFixture<ShangdingWebFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnApiBatchMixingCategories_IsListedUnderEach_AndItsPageNamesBoth()
    {
        long batchId;
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var today = Shangding.Core.Reporting.ReportingTime.ChinaDate(DateTime.UtcNow).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            IntakeRow Row(int i, string category) => new(i, category, new Dictionary<string, string?>
            {
                ["record_key"] = $"MIX-{i}", ["case_number"] = $"（2026）豫01执{900 + i}号", ["cause_of_action"] = "民间借贷纠纷", ["enforcing_court"] = "郑州市中级人民法院",
                ["enforcement_amount"] = "5000", ["name"] = "混合" + (char)('甲' + i), ["id_type"] = "居民身份证",
                ["id_number"] = TestPlatform.ResidentId(new DateOnly(1980, 1, 1).AddDays(i), 700 + i), ["case_status"] = "执行中", ["act_date"] = today,
            }, []);
            var result = await scope.ServiceProvider.GetRequiredService<IntakeService>().RunAsync(
                new IntakeRequest("INTERMEDIATE-COURT", IntakeChannels.Api, "api:test", null, ReturnRecordResults: true),
                [Row(1, "P-COURT-ENFORCEE"), Row(2, "P-COURT-DISHONEST-ENFORCEE")], null, Ct);
            result.Created.ShouldBe(2, string.Join("; ", result.Records.SelectMany(r => r.Reasons).Select(r => r.MessageZh)));
            batchId = result.BatchId;
        }

        var court = await PortalClient.SignedInAs(factory, "court", Ct);
        foreach (var category in new[] { "P-COURT-ENFORCEE", "P-COURT-DISHONEST-ENFORCEE" })
        {
            var list = new HtmlParser().ParseDocument(await court.Http.GetStringAsync($"/unit/batches?category={category}", Ct));
            list.QuerySelectorAll("table.stack tbody tr td:first-child a").Select(a => a.TextContent).ShouldContain("#" + batchId, category);
        }

        var page = new HtmlParser().ParseDocument(await court.Http.GetStringAsync($"/unit/batches/{batchId}", Ct));
        var named = page.QuerySelector("dl.facts dd")!.TextContent;
        named.ShouldContain("被执行人信息");
        named.ShouldContain("失信被执行人信息");
    }
}
