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
        var fields = WaterRecord("FORM-T-1", "赵六", id[..17] + (id[17] == '1' ? "2" : "1"));
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

    /// <summary>A good water-arrears record as the entry form posts it.</summary>
    internal static Dictionary<string, string> WaterRecord(string key, string name, string id) => new()
    {
        ["record_key"] = key,
        ["name"] = name,
        ["id_type"] = "居民身份证",
        ["id_number"] = id,
        ["customer_address"] = "郑州市二七区",
        ["arrears_from"] = "2025-01-01",
        ["arrears_counted_to"] = "2025-12-31",
        ["arrears_quantity"] = "30",
        ["arrears_amount"] = "88.8",
        ["determining_body"] = "市自来水公司",
        ["determined_on"] = "2026-01-05",
    };

    private static async Task<AngleSharp.Html.Dom.IHtmlDocument> PostEntryAsync(PortalClient client, Dictionary<string, string> fields)
    {
        var response = await client.PostFormAsync("/unit/entry/P-ARREARS-WATER", new(fields), Ct);
        return new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task SingleEntry_SuggestsAKeyNoOtherClerkGets_AndSaysWhenARecordWasAlreadyWithdrawn()
    {
        var client = await PortalClient.SignedInAs(factory, "water", Ct);
        var keys = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var form = new HtmlParser().ParseDocument(await client.Http.GetStringAsync("/unit/entry/P-ARREARS-WATER", Ct));
            keys.Add(form.QuerySelector("#f_record_key")!.GetAttribute("value")!);
        }

        // Opened in the same second, the forms used to suggest the same FORM-yyyyMMddHHmmss key.
        keys.ShouldAllBe(k => System.Text.RegularExpressions.Regex.IsMatch(k, "^FORM-[0-9]{8}-[0-9]{4}-[2-9A-HJKMNP-Z]{5}$"));
        keys.Distinct().Count().ShouldBe(3);

        var key = keys[0];
        (await PostEntryAsync(client, WaterRecord(key, "孙七", TestPlatform.ResidentId(new DateOnly(1981, 2, 3), 246)))).QuerySelector(".success")!.TextContent.ShouldContain("已新增");
        var withdraw = new Dictionary<string, string> { ["record_key"] = key, ["action"] = "撤回" };
        (await PostEntryAsync(client, withdraw)).QuerySelector(".success")!.TextContent.ShouldContain("已撤回该编号的记录");
        var again = await PostEntryAsync(client, withdraw);
        again.QuerySelector(".success")!.TextContent.ShouldStartWith("该编号的记录此前已撤回，未作更改。");
    }

    [Fact]
    public async Task SingleEntry_InEnglish_SaysWhatTheIdTypesAndTheWithdrawActionMean_AndPostsTheCataloguesValues()
    {
        var client = await PortalClient.SignedInAs(factory, "water", Ct);
        var english = new HtmlParser().ParseDocument(await client.Http.GetStringAsync("/unit/entry/P-ARREARS-WATER?culture=en", Ct));
        var resident = english.QuerySelector("#f_id_type option[value='居民身份证']")!;
        resident.TextContent.ShouldBe("Resident ID card (居民身份证)");
        english.QuerySelector("#f_action option[value='撤回']")!.TextContent.ShouldBe("Withdraw (撤回)");

        var chinese = new HtmlParser().ParseDocument(await client.Http.GetStringAsync("/unit/entry/P-ARREARS-WATER", Ct));
        chinese.QuerySelector("#f_id_type option[value='居民身份证']")!.TextContent.ShouldBe("居民身份证");
    }

    [Fact]
    public async Task TheBatchPage_SaysWhenNothingWasStored_AndWhichRowsNamedSomeoneDifferently()
    {
        var client = await PortalClient.SignedInAs(factory, "water", Ct);
        var id = TestPlatform.ResidentId(new DateOnly(1983, 7, 8), 357);
        (await PostEntryAsync(client, WaterRecord("NAME-1", "周八", id))).QuerySelector(".success").ShouldNotBeNull();

        // The same person under another name: stored under the ID number, the name on file kept, and the batch page says so.
        var renamed = await PostEntryAsync(client, WaterRecord("NAME-2", "周捌", id));
        renamed.QuerySelector(".success")!.TextContent.ShouldContain("已新增");
        var batchLink = renamed.QuerySelector("a[href^='/unit/batches/']")!.GetAttribute("href")!;
        var batch = new HtmlParser().ParseDocument(await client.Http.GetStringAsync(batchLink, Ct));
        var warning = batch.QuerySelector(".batch-warnings")!.TextContent;
        warning.ShouldContain("1 行所填姓名与该证件号码在平台登记的姓名不一致（单位记录编号 NAME-2）");
        warning.ShouldNotContain(id); // the ID number is not repeated on the page
        var english = new HtmlParser().ParseDocument(await client.Http.GetStringAsync(batchLink + "?culture=en", Ct));
        english.QuerySelector(".batch-warnings")!.TextContent.ShouldContain("1 row(s) give a name that differs from the one on file");

        // A form whose only row is rejected stored nothing: its batch does not say "stored".
        var rejected = await PostEntryAsync(client, new Dictionary<string, string> { ["record_key"] = "EMPTY-1", ["name"] = "吴九" });
        rejected.QuerySelector(".success").ShouldBeNull();
        var desk = new HtmlParser().ParseDocument(await client.Http.GetStringAsync("/unit", Ct));
        var newest = desk.QuerySelectorAll("table")[1].QuerySelector("tbody tr")!;
        newest.QuerySelector("td[data-label='状态']")!.TextContent.Trim().ShouldBe("未入库任何记录");
        newest.QuerySelector("td[data-label='类别']")!.TextContent.ShouldBe("拖欠公用事业费用信息（水费）");
        var page = new HtmlParser().ParseDocument(await client.Http.GetStringAsync(newest.QuerySelector("a")!.GetAttribute("href")!, Ct));
        page.QuerySelector("dl.facts")!.TextContent.ShouldContain("未入库任何记录");
    }

    [Fact]
    public async Task TheOperator_ListsEveryUnitsBatches_AndOpensOne_WithReasonsButWithoutTheRejectsFiles()
    {
        var water = await PortalClient.SignedInAs(factory, "water", Ct);
        var id = TestPlatform.ResidentId(new DateOnly(1984, 9, 10), 468);
        var bad = id[..17] + (id[17] == '1' ? "2" : "1");
        var refused = await PostEntryAsync(water, WaterRecord("OP-1", "郑九", bad));
        refused.QuerySelector(".success").ShouldBeNull();
        var batchId = new HtmlParser().ParseDocument(await water.Http.GetStringAsync("/unit", Ct)).QuerySelectorAll("table")[1]
            .QuerySelector("tbody tr a")!.GetAttribute("href")!.Split('/').Last();

        var op = await PortalClient.SignedInAs(factory, "operator", Ct);
        var list = new HtmlParser().ParseDocument(await op.Http.GetStringAsync("/operator/batches?unit=WATER-SUPPLY&outcome=nothing", Ct));
        list.QuerySelector("h1")!.TextContent.ShouldBe("报送批次");
        var row = list.QuerySelectorAll("table.stack tbody tr").First(r => r.QuerySelector("a")!.TextContent == "#" + batchId);
        row.QuerySelector("td[data-label='报送单位']")!.TextContent.ShouldBe("市自来水公司");
        row.QuerySelector("td[data-label='状态']")!.TextContent.Trim().ShouldBe("未入库任何记录");
        list.QuerySelectorAll("table.stack tbody tr td[data-label='报送单位']").ShouldAllBe(c => c.TextContent == "市自来水公司");

        var page = new HtmlParser().ParseDocument(await op.Http.GetStringAsync("/operator/batches/" + batchId, Ct));
        page.QuerySelector("dl.facts")!.TextContent.ShouldContain("市自来水公司");
        page.QuerySelector("table.stack tbody")!.TextContent.ShouldContain("校验位");
        page.QuerySelectorAll("a[href$='rejects.xlsx'], a[href$='rejects.csv']").Length.ShouldBe(0);
        page.Body!.TextContent.ShouldContain("只由报送单位下载");
        page.Body!.InnerHtml.ShouldNotContain(bad);

        // A clerk has no operator's list.
        (await water.Http.GetAsync("/operator/batches", Ct)).RequestMessage!.RequestUri!.AbsolutePath.ShouldBe("/account/denied");
        (await op.Http.GetAsync("/operator/batches/999999999", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AClerk_ListsAllTheUnitsBatches_FilteredAndAPageAtATime_AndNoOtherUnits()
    {
        var water = await PortalClient.SignedInAs(factory, "water", Ct);
        var id = TestPlatform.ResidentId(new DateOnly(1986, 4, 14), 579);
        (await PostEntryAsync(water, WaterRecord("ALL-1", "冯十", id))).QuerySelector(".success").ShouldNotBeNull();
        (await PostEntryAsync(water, WaterRecord("ALL-2", "冯十", id[..17] + (id[17] == '1' ? "2" : "1")))).QuerySelector(".success").ShouldBeNull();

        static IReadOnlyList<long> Ids(AngleSharp.Html.Dom.IHtmlDocument page) =>
            [.. page.QuerySelectorAll("table.stack tbody tr td:first-child a").Select(a => long.Parse(a.TextContent.TrimStart('#'), System.Globalization.CultureInfo.InvariantCulture))];

        var all = new HtmlParser().ParseDocument(await water.Http.GetStringAsync("/unit/batches", Ct));
        var ids = Ids(all);
        ids.Count.ShouldBeGreaterThanOrEqualTo(2);
        ids.ShouldBe([.. ids.OrderByDescending(i => i)]);
        var stored = Ids(new HtmlParser().ParseDocument(await water.Http.GetStringAsync("/unit/batches?outcome=stored&category=P-ARREARS-WATER", Ct)));
        var nothing = Ids(new HtmlParser().ParseDocument(await water.Http.GetStringAsync("/unit/batches?outcome=nothing", Ct)));
        stored.ShouldContain(ids[1]);
        nothing.ShouldContain(ids[0]);
        stored.ShouldNotContain(ids[0]);
        nothing.ShouldNotContain(ids[1]);
        Ids(new HtmlParser().ParseDocument(await water.Http.GetStringAsync($"/unit/batches?before={ids[0]}", Ct))).ShouldAllBe(i => i < ids[0]);

        // Another unit's clerk sees none of them.
        var civil = await PortalClient.SignedInAs(factory, "civil", Ct);
        Ids(new HtmlParser().ParseDocument(await civil.Http.GetStringAsync("/unit/batches", Ct))).ShouldNotContain(ids[0]);
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
        var refused = await civil.Http.GetAsync(link, Ct);
        refused.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        // A page of the site in the clerk's language, not the framework's "Status Code: 404; Not Found" or JSON.
        refused.Content.Headers.ContentType!.MediaType.ShouldBe("text/html");
        var page = new HtmlParser().ParseDocument(await refused.Content.ReadAsStringAsync(Ct));
        page.QuerySelector("h1")!.TextContent.ShouldBe("找不到该页面");
        page.QuerySelector("main")!.TextContent.ShouldContain("不属于您的单位或账户");
        var english = await civil.Http.GetAsync(link + "?culture=en", Ct);
        new HtmlParser().ParseDocument(await english.Content.ReadAsStringAsync(Ct)).QuerySelector("h1")!.TextContent.ShouldBe("Page not found");
        (await civil.Http.GetAsync(link + "/rejects.csv", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        // The API keeps its machine-readable answers.
        var api = await civil.Http.GetAsync("/api/v1/catalog/NO-SUCH/template.xlsx", Ct);
        api.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        api.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
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
