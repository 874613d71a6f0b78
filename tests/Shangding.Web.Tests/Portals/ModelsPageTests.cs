using AngleSharp.Html.Parser;
using Shangding.Web.Tests.Infrastructure;

namespace Shangding.Web.Tests.Portals;

public sealed class ModelsPageTests(ShangdingWebFactory factory) : IClassFixture<ShangdingWebFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnOperatorSimulatesAModel_OverEveryoneWhoOptedIn()
    {
        var op = await PortalClient.SignedInAs(factory, "operator", Ct);
        var list = new HtmlParser().ParseDocument(await op.Http.GetStringAsync("/operator/models", Ct));
        var version = list.QuerySelector("tbody code")!.TextContent;
        var response = await op.PostFormAsync("/operator/models?handler=Simulate", new() { ["Version"] = version }, Ct, "/operator/models");
        var page = new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync(Ct));
        page.QuerySelector("h2")!.TextContent.ShouldContain(version);
        // The same model against itself: 26 demo residents opted in, nobody moves.
        page.QuerySelector("h2 + p")!.TextContent.ShouldContain("共 26 人：上升 0，下降 0，不变 26");
    }
}
