using System.Net;
using System.Text.RegularExpressions;
using AngleSharp.Html.Parser;
using Shangding.Testing;
using Shangding.Web.Localization;
using Shangding.Web.Tests.Infrastructure;

namespace Shangding.Web.Tests.Pages;

public sealed partial class PublicPagesTests(ShangdingWebFactory factory) : IClassFixture<ShangdingWebFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Home_IsChineseByDefault_WithTheFiveLevelsAndDemoCounts()
    {
        var html = await factory.CreateClient().GetStringAsync("/", Ct);
        var document = new HtmlParser().ParseDocument(html);
        document.DocumentElement.GetAttribute("lang").ShouldBe("zh-CN");
        document.Title!.ShouldContain("商鼎分");
        var levels = document.QuerySelectorAll(".levels li strong").Select(e => e.TextContent).ToList();
        levels.ShouldBe(["信用极好", "信用优秀", "信用良好", "轻微失信", "信用较差"]);
        // 40 synthetic demo persons were seeded, plus the access module's known demo citizen and demo organisation.
        document.QuerySelectorAll(".stat strong").Select(e => e.TextContent).ShouldContain("42");
    }

    [Fact]
    public async Task Home_StaysChinese_ForABrowserAskingForEnglish_UntilTheUserSwitches()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.AcceptLanguage.ParseAdd("en-US,en;q=0.9");
        var response = await factory.CreateClient().SendAsync(request, Ct);
        (await response.Content.ReadAsStringAsync(Ct)).ShouldContain("<html lang=\"zh-CN\"");
        (await factory.CreateClient().GetStringAsync("/?culture=en", Ct)).ShouldContain("<html lang=\"en\"");
    }

    [Fact]
    public async Task Home_SwitchesToEnglish_ByTheLanguageCookie()
    {
        var client = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { HandleCookies = true });
        var home = await client.GetStringAsync("/", Ct);
        var token = TokenRegex().Match(home).Groups[1].Value;
        token.ShouldNotBeEmpty();
        var response = await client.PostAsync("/language", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["culture"] = "en",
            ["returnUrl"] = "/catalog",
            ["__RequestVerificationToken"] = token,
        }), Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK); // followed the redirect to /catalog
        var html = await response.Content.ReadAsStringAsync(Ct);
        html.ShouldContain("<html lang=\"en\"");
        html.ShouldContain("Credit information catalogue");
    }

    [Fact]
    public async Task LanguageSwitch_WithoutAntiforgeryToken_IsRefused()
    {
        var response = await factory.CreateClient().PostAsync("/language",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["culture"] = "en" }), Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Catalog_ListsCategories_AndFiltersByUnit()
    {
        var client = factory.CreateClient();
        var all = new HtmlParser().ParseDocument(await client.GetStringAsync("/catalog", Ct));
        var rows = all.QuerySelectorAll("tbody tr").Length;
        rows.ShouldBeGreaterThan(30);
        var unitOptions = all.QuerySelectorAll("select[name=unit] option").Skip(1).ToList();
        var water = unitOptions.First(o => o.TextContent.Contains("自来水", StringComparison.Ordinal)).GetAttribute("value");
        var filtered = new HtmlParser().ParseDocument(await client.GetStringAsync($"/catalog?unit={water}", Ct));
        filtered.QuerySelectorAll("tbody tr").Length.ShouldBeInRange(1, rows - 1);
    }

    [Fact]
    public async Task CategoryPage_ShowsFields_AndUnknownCodeIs404()
    {
        var client = factory.CreateClient();
        var all = new HtmlParser().ParseDocument(await client.GetStringAsync("/catalog", Ct));
        var link = all.QuerySelectorAll("tbody a").First(a => a.TextContent == "无偿献血信息").GetAttribute("href")!;
        var page = new HtmlParser().ParseDocument(await client.GetStringAsync(link, Ct));
        page.QuerySelectorAll("tbody tr td:nth-child(2)").Select(td => td.TextContent)
            .ShouldBe(["姓名", "证件类型", "证件号码", "献血地点", "献血日期", "发证单位", "献血次数"]);
        (await client.GetAsync("/catalog/NOPE", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public void EveryTextKeyUsedInPages_ExistsInBothLanguages()
    {
        var text = UiText.LoadFolder(Path.Combine(RepoPaths.Root, "src", "Shangding.Web", "Resources"));
        var pages = Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "src", "Shangding.Web", "Pages"), "*.cshtml", SearchOption.AllDirectories);
        var missing = new List<string>();
        foreach (var page in pages)
        {
            foreach (Match m in KeyRegex().Matches(File.ReadAllText(page)))
            {
                var key = m.Groups[1].Value;
                if (!text.Keys.Contains(key))
                {
                    missing.Add($"{Path.GetFileName(page)}: {key}");
                }
            }
        }

        missing.ShouldBeEmpty();
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenRegex();

    [GeneratedRegex("""T(?:\.Format\(|\[)"([a-zA-Z][\w.\-]*)"[\],]""")]
    private static partial Regex KeyRegex();
}
