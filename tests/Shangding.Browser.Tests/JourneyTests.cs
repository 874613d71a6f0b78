using Microsoft.Playwright;

namespace Shangding.Browser.Tests;

/// <summary>Journeys through the real server in headless Chromium, with screenshots of each main page at desktop and phone width.</summary>
public sealed class JourneyTests(WebServer server) : IClassFixture<WebServer>
{
    private static readonly (string Name, int Width, int Height)[] Viewports = [("desktop", 1280, 900), ("phone", 390, 844)];

    private async Task<IPage> NewPage(int width, int height)
    {
        server.RequireBrowser();
        var context = await server.Browser!.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = height }, Locale = "en-US" });
        return await context.NewPageAsync();
    }

    private static Task<byte[]> Shot(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(WebServer.ScreenshotDirectory, name + ".png"), FullPage = true });

    [Fact]
    public async Task AVisitor_ReadsTheHomeAndCatalogue_InChineseThenEnglish()
    {
        foreach (var (name, width, height) in Viewports)
        {
            var page = await NewPage(width, height);
            await page.GotoAsync(server.BaseUrl + "/");
            (await page.GetAttributeAsync("html", "lang")).ShouldBe("zh-CN"); // even for an English browser
            (await page.Locator(".levels li strong").AllInnerTextsAsync()).ShouldBe(["信用极好", "信用优秀", "信用良好", "轻微失信", "信用较差"]);
            await Shot(page, $"home-zh-{name}");

            await page.GotoAsync(server.BaseUrl + "/catalog");
            await page.SelectOptionAsync("select[name=unit]", "WATER-SUPPLY");
            await page.ClickAsync("form.filters button");
            (await page.Locator("tbody tr").CountAsync()).ShouldBe(2);
            await Shot(page, $"catalog-zh-{name}");

            await page.ClickAsync("form.lang button");
            await page.WaitForURLAsync("**/catalog?*");
            (await page.GetAttributeAsync("html", "lang")).ShouldBe("en");
            await page.GotoAsync(server.BaseUrl + "/");
            await Shot(page, $"home-en-{name}");
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task AClerk_EntersARecordWithABadId_AndSeesTheReasonBesideTheField()
    {
        foreach (var (name, width, height) in Viewports)
        {
            var page = await NewPage(width, height);
            await page.GotoAsync(server.BaseUrl + "/account/signin");
            await page.FillAsync("#UserName", "water");
            await page.FillAsync("#Password", "Shangding-demo-2026");
            await page.ClickAsync("main button[type=submit]");
            await page.WaitForURLAsync("**/unit");
            await Shot(page, $"unit-desk-{name}");

            await page.GotoAsync(server.BaseUrl + "/unit/entry/P-ARREARS-WATER");
            await page.FillAsync("#f_name", "赵六");
            await page.FillAsync("#f_id_number", "410105197905061351");
            await page.ClickAsync("form.entry-form button[type=submit]");
            (await page.InnerTextAsync("#f_id_number-error")).ShouldContain("校验位");
            (await page.InputValueAsync("#f_name")).ShouldBe("赵六");
            await Shot(page, $"unit-entry-errors-{name}");
            await page.Context.CloseAsync();
        }
    }
}
