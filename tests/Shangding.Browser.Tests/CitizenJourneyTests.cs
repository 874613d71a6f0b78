using Microsoft.Playwright;

namespace Shangding.Browser.Tests;

/// <summary>The citizen's journey through the real server: real-name sign-in, own records, an authorization with its QR code, who queried me.</summary>
public sealed class CitizenJourneyTests(WebServer server) : IClassFixture<WebServer>
{
    private static readonly (string Name, int Width, int Height)[] Viewports = [("desktop", 1280, 900), ("phone", 390, 844)];

    [Fact]
    public async Task ACitizen_SignsIn_SeesOwnRecords_GrantsWithAQrCode_AndSeesTheGrantListed()
    {
        foreach (var (name, width, height) in Viewports)
        {
            server.RequireBrowser();
            var context = await server.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });
            var page = await context.NewPageAsync();
            await page.GotoAsync(server.BaseUrl + "/account/citizen");
            (await page.InnerTextAsync("main")).ShouldContain("开发环境专用");
            await page.FillAsync("#Name", "王小明");
            await page.FillAsync("#IdNumber", "410105190001010010");
            await page.FillAsync("#Code", "246810");
            await page.ClickAsync("main button[type=submit]");
            await Sessions.ArriveAsync(server, page, "**/me/records");
            (await page.Locator("tbody tr").CountAsync()).ShouldBe(3);
            (await page.ContentAsync()).ShouldNotContain("410105190001010010");
            await Shot(page, $"me-records-{name}");

            await page.GotoAsync(server.BaseUrl + "/me/grants");
            await page.SelectOptionAsync("#Scope", "level");
            await page.FillAsync("#Purpose", "租房押金减免");
            await page.ClickAsync("form.entry-form button[type=submit]");
            (await page.Locator(".qr svg").CountAsync()).ShouldBe(1);
            (await page.InnerTextAsync("#grant-code")).ShouldStartWith("SDG-");
            await Shot(page, $"me-grants-{name}");

            await page.GotoAsync(server.BaseUrl + "/me/queries?own=true");
            (await page.Locator("tbody tr").CountAsync()).ShouldBeGreaterThan(0);
            await Shot(page, $"me-queries-{name}");
            await context.CloseAsync();
        }
    }

    private static Task<byte[]> Shot(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(WebServer.ScreenshotDirectory, name + ".png"), FullPage = true });
}
