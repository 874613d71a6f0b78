using AngleSharp.Html.Parser;
using Shangding.Web.Tests.Infrastructure;

namespace Shangding.Web.Tests.Portals;

/// <summary>/operator/calendar: the year's holidays and make-up days, and the working-day calculator.</summary>
public sealed class CalendarPageTests(ShangdingWebFactory factory) : IClassFixture<ShangdingWebFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task NationalDay2026_IsListed_AndTheCalculatorCountsAcrossIt()
    {
        var op = await PortalClient.SignedInAs(factory, "operator", Ct);
        var page = new HtmlParser().ParseDocument(await op.Http.GetStringAsync("/operator/calendar?year=2026", Ct));
        page.QuerySelector("tr[data-date='2026-10-01']")!.TextContent.ShouldContain("放假");
        page.QuerySelector("tr[data-date='2026-10-07']")!.TextContent.ShouldContain("放假");
        page.QuerySelector("tr[data-date='2026-09-20']")!.TextContent.ShouldContain("调休上班");
        page.QuerySelector("tr[data-date='2026-10-10']")!.TextContent.ShouldContain("调休上班");
        page.QuerySelector("tr[data-date='2026-10-08']").ShouldBeNull(); // an ordinary working day is not listed
        page.QuerySelectorAll("nav.filters a").Select(a => a.TextContent).ShouldContain("2026");

        // 3 working days after Tue 09-29: 09-30, then 10-08 and 10-09 (Oct 1–7 off).
        var computed = new HtmlParser().ParseDocument(await op.Http.GetStringAsync("/operator/calendar?year=2026&From=2026-09-29&Count=3", Ct));
        computed.QuerySelector("#result")!.TextContent.ShouldContain("2026-10-09");
        var english = new HtmlParser().ParseDocument(await op.Http.GetStringAsync("/operator/calendar?From=2026-9-29&Count=0&culture=en", Ct));
        english.QuerySelector("#From-error")!.TextContent.ShouldBe("Enter a date as yyyy-mm-dd.");
        english.QuerySelector("#Count-error")!.TextContent.ShouldBe("The number of working days is 1 to 365.");
        english.QuerySelector("#result").ShouldBeNull();
    }

    [Fact]
    public async Task OnlyOperators_OpenIt()
    {
        foreach (var user in new[] { "water", "auditor", "bank" })
        {
            var client = await PortalClient.SignedInAs(factory, user, Ct);
            (await client.Http.GetAsync("/operator/calendar", Ct)).RequestMessage!.RequestUri!.AbsolutePath.ShouldBe("/account/denied");
        }
    }
}
