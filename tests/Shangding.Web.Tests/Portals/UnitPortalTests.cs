using System.Net;
using AngleSharp.Html.Parser;
using Shangding.Testing;
using Shangding.Web.Tests.Infrastructure;

namespace Shangding.Web.Tests.Portals;

public sealed class UnitPortalTests(ShangdingWebFactory factory) : IClassFixture<ShangdingWebFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task UnitPages_NeedASignedInClerk()
    {
        var response = await new PortalClient(factory).Http.GetAsync("/unit", Ct);
        response.RequestMessage!.RequestUri!.AbsolutePath.ShouldBe("/account/signin");
    }

    [Fact]
    public async Task AClerk_SeesOnlyTheirUnitsCategories()
    {
        var client = await PortalClient.SignedInAs(factory, "water", Ct);
        var page = new HtmlParser().ParseDocument(await client.Http.GetStringAsync("/unit", Ct));
        page.QuerySelector("h1")!.TextContent.ShouldContain("市自来水公司");
        page.QuerySelectorAll("table")[0].QuerySelectorAll("tbody tr small").Select(s => s.TextContent)
            .ShouldBe(TestPlatform.Catalog.CategoriesOfUnit("WATER-SUPPLY").Select(c => c.Code), ignoreOrder: true);
        page.QuerySelectorAll("table")[0].TextContent.ShouldNotContain("P-VOLUNTEER");
        (await client.Http.GetAsync("/unit/entry/P-VOLUNTEER", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var operatorPage = await client.Http.GetAsync("/operator", Ct);
        operatorPage.RequestMessage!.RequestUri!.AbsolutePath.ShouldBe("/account/denied");
    }

    [Fact]
    public async Task SingleEntry_ShowsTheErrorBesideTheField_ThenStoresAGoodRecord()
    {
        var client = await PortalClient.SignedInAs(factory, "water", Ct);
        var id = TestPlatform.ResidentId(new DateOnly(1979, 5, 6), 135);
        var fields = new Dictionary<string, string>
        {
            ["record_key"] = "FORM-T-1",
            ["name"] = "赵六",
            ["id_type"] = "居民身份证",
            ["id_number"] = id[..17] + (id[17] == '1' ? "2" : "1"),
            ["customer_address"] = "郑州市二七区",
            ["arrears_from"] = "2025-01-01",
            ["arrears_counted_to"] = "2025-12-31",
            ["arrears_quantity"] = "30",
            ["arrears_amount"] = "88.8",
            ["determining_body"] = "市自来水公司",
            ["determined_on"] = "2026-01-05",
        };
        var response = await client.PostFormAsync("/unit/entry/P-ARREARS-WATER", new(fields), Ct);
        var page = new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync(Ct));
        var error = page.QuerySelector("#f_id_number-error");
        error.ShouldNotBeNull();
        error.TextContent.ShouldContain("校验位");
        page.QuerySelector("#f_id_number")!.GetAttribute("aria-invalid").ShouldBe("true");
        page.QuerySelector("#f_name")!.GetAttribute("value").ShouldBe("赵六"); // nothing the clerk typed is lost

        fields["id_number"] = id;
        response = await client.PostFormAsync("/unit/entry/P-ARREARS-WATER", new(fields), Ct);
        page = new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync(Ct));
        page.QuerySelector(".success")!.TextContent.ShouldContain("已新增");

        var desk = new HtmlParser().ParseDocument(await client.Http.GetStringAsync("/unit", Ct));
        desk.QuerySelectorAll("tbody tr").Length.ShouldBeGreaterThan(1);
    }

    [Fact]
    public async Task AClerkCannotOpenAnotherUnitsBatch()
    {
        var water = await PortalClient.SignedInAs(factory, "water", Ct);
        var fields = new Dictionary<string, string> { ["record_key"] = "FORM-X", ["name"] = "" };
        await water.PostFormAsync("/unit/entry/P-ARREARS-WATER", fields, Ct);
        var desk = new HtmlParser().ParseDocument(await water.Http.GetStringAsync("/unit", Ct));
        var link = desk.QuerySelectorAll("a[href^='/unit/batches/']")[0].GetAttribute("href")!;
        (await water.Http.GetAsync(link, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);

        var civil = await PortalClient.SignedInAs(factory, "civil", Ct);
        (await civil.Http.GetAsync(link, Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task FiveWrongPasswords_LockTheAccount()
    {
        var client = new PortalClient(factory);
        string html = "";
        for (var i = 0; i < 5; i++)
        {
            var response = await client.PostFormAsync("/account/signin", new() { ["UserName"] = "court", ["Password"] = "wrong-password-" + i }, Ct);
            html = await response.Content.ReadAsStringAsync(Ct);
        }

        html.ShouldContain("锁定");
        var right = await client.PostFormAsync("/account/signin", new() { ["UserName"] = "court", ["Password"] = Shangding.Web.Access.DemoAccounts.Password }, Ct);
        (await right.Content.ReadAsStringAsync(Ct)).ShouldContain("锁定");
        right.RequestMessage!.RequestUri!.AbsolutePath.ShouldBe("/account/signin");
    }
}
