using AngleSharp.Html.Parser;
using Shangding.Web.Tests.Infrastructure;

namespace Shangding.Web.Tests.Intake;

/// <summary>The API reference page: the OpenAPI document for people, in the site's layout, in either language.</summary>
public sealed class RecordsApiReferencePageTests(ShangdingWebFactory factory) : IClassFixture<ShangdingWebFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ThePage_ListsTheEndpoints_TheirAuthentication_ShapesAndExamples()
    {
        var page = new HtmlParser().ParseDocument(await factory.CreateClient().GetStringAsync("/public/api", Ct));
        page.QuerySelector("h1")!.TextContent.ShouldBe("开放接口");
        page.QuerySelector("a[href='/openapi/v1.json']").ShouldNotBeNull();
        var records = page.GetElementById("PostRecords").ShouldNotBeNull();
        records.QuerySelector("h4")!.TextContent.ShouldBe("POST /api/v1/records");
        records.TextContent.ShouldContain("unitApiToken (Bearer sd_<key>_<secret>)");
        var example = records.QuerySelector("pre")!.TextContent;
        example.ShouldContain("\"action\":\"withdraw\""); // the body example
        example.ShouldContain("\"id_number\":\"410105********0010\""); // its made-up ID number masked, as on every page
        records.QuerySelector("a[href='#schema-RecordsRequest']").ShouldNotBeNull();
        page.GetElementById("ListCatalog")!.TextContent.ShouldContain("无需凭证");
        // Only the API: not the language switch the site posts to.
        page.QuerySelectorAll("h4").Select(h => h.TextContent).ShouldAllBe(h => h.Contains(" /api/", StringComparison.Ordinal));

        var input = page.GetElementById("schema-RecordInput").ShouldNotBeNull();
        var rows = input.QuerySelectorAll("tbody tr").ToDictionary(r => r.Children[0].TextContent, r => r.Children.Select(c => c.TextContent.Trim()).ToList());
        rows["action"][2].ShouldBeEmpty();
        rows["action"][3].ShouldBe("upsert, withdraw");
        rows["recordKey"][2].ShouldBe("是");
        rows["fields"][1].ShouldContain("RecordFields");
    }

    [Fact]
    public async Task InEnglish_ThePageSpeaksEnglish()
    {
        var page = new HtmlParser().ParseDocument(await factory.CreateClient().GetStringAsync("/public/api?culture=en", Ct));
        page.QuerySelector("h1")!.TextContent.ShouldBe("Open API");
        page.GetElementById("ListCatalog")!.TextContent.ShouldContain("No token needed");
        page.GetElementById("schema-RecordInput")!.QuerySelector("thead")!.TextContent.ShouldContain("Required");
    }
}
