using AngleSharp.Html.Parser;
using Shangding.Web.Tests.Infrastructure;

namespace Shangding.Web.Tests.Portals;

public sealed class ReportingPagesTests(ShangdingWebFactory factory) : IClassFixture<ShangdingWebFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AUnitSeesItsOwnDeadlines_AndTheOperatorSeesEveryUnit()
    {
        var water = await PortalClient.SignedInAs(factory, "water", Ct);
        var own = new HtmlParser().ParseDocument(await water.Http.GetStringAsync("/unit/reporting", Ct));
        var units = own.QuerySelectorAll("#compliance tbody tr").Select(tr => tr.GetAttribute("data-unit")).Distinct().ToList();
        units.ShouldBe(["WATER-SUPPLY"]);

        var op = await PortalClient.SignedInAs(factory, "operator", Ct);
        var all = new HtmlParser().ParseDocument(await op.Http.GetStringAsync("/operator/reporting", Ct));
        all.QuerySelectorAll("#compliance tbody tr td:first-child").Select(td => td.TextContent).Distinct().Count().ShouldBeGreaterThan(5);
        all.QuerySelector("h1")!.TextContent.ShouldBe("报送时限与催报");

        var overview = new HtmlParser().ParseDocument(await op.Http.GetStringAsync("/operator", Ct));
        overview.QuerySelectorAll("table")[0].QuerySelectorAll("tbody tr").Length.ShouldBeGreaterThan(3);
        // The demo opts two residents in three in: the level table beside the chart counts them all.
        overview.QuerySelectorAll("#levels-table tbody td.num").Sum(v => int.Parse(v.TextContent, System.Globalization.CultureInfo.InvariantCulture)).ShouldBe(26);
    }
}
