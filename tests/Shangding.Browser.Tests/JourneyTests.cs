using Microsoft.Playwright;
using Shangding.Testing;

namespace Shangding.Browser.Tests;

/// <summary>
/// Journeys through the real server in headless Chromium, with screenshots of each main page at
/// desktop and phone width (390 px), in Chinese and English, to artifacts/screenshots/.
/// </summary>
public sealed class JourneyTests(WebServer server) : IClassFixture<WebServer>
{
    private static readonly (string Name, int Width, int Height)[] Viewports = [("desktop", 1280, 900), ("phone", 390, 844)];

    private async Task<IPage> NewPage(int width, int height)
    {
        server.RequireBrowser();
        var context = await server.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height },
            Locale = "en-US",
            AcceptDownloads = true,
        });
        return await context.NewPageAsync();
    }

    private static Task Shot(IPage page, string name) => Screenshots.Shot(page, name);

    /// <summary>Uploads the file on the water company's upload page and waits for the batch's page.</summary>
    private async Task UploadWater(IPage page, FilePayload file)
    {
        await page.GotoAsync(server.BaseUrl + "/unit/upload/P-ARREARS-WATER");
        await page.SetInputFilesAsync("#Upload", file);
        await page.ClickAsync("#upload-form button[type=submit]");
        await Sessions.ArriveAsync(server, page, "**/unit/batches/*");
    }

    /// <summary>Uploads the file at <paramref name="path"/> (sent by the browser from disk, as big as need be) and waits for <paramref name="arrival"/>.</summary>
    private async Task UploadWaterFile(IPage page, string path, string arrival)
    {
        await page.GotoAsync(server.BaseUrl + "/unit/upload/P-ARREARS-WATER");
        await page.SetInputFilesAsync("#Upload", path);
        await page.ClickAsync("#upload-form button[type=submit]");
        await Sessions.ArriveAsync(server, page, arrival);
    }

    /// <summary>Writes a .csv of good water-arrears rows with keys <paramref name="keyPrefix"/>0, 1, …; subjects from <paramref name="firstSequence"/>.</summary>
    private static async Task WriteWaterCsv(string path, string keyPrefix, int rows, int firstSequence)
    {
        var columns = Shangding.Core.Intake.IntakeColumns.For(TestPlatform.Catalog.Find("P-ARREARS-WATER")!);
        await using var writer = new StreamWriter(path, false, new System.Text.UTF8Encoding(false), 1 << 16);
        await writer.WriteAsync(string.Join(",", columns.Select(c => c.NameZh)) + "\r\n");
        for (var i = 0; i < rows; i++)
        {
            var id = TestPlatform.ResidentId(new DateOnly(1940, 1, 1).AddDays(i % 25_000), firstSequence + i / 25_000);
            await writer.WriteAsync(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{keyPrefix}{i},钱七,居民身份证,{id},郑州市中原区建设路 8 号,2025-05-01,2026-01-31,45,1234.5,市自来水公司,2026-02-10,,\r\n"));
        }
    }

    private Task SignIn(IPage page, string user, string landing) => Sessions.SignInAsync(server, page, user, landing);

    private async Task ShootBothLanguages(IPage page, string url, string name, string viewport)
    {
        await page.GotoAsync(server.BaseUrl + url);
        (await page.GetAttributeAsync("html", "lang")).ShouldBe("zh-CN");
        await Shot(page, $"{name}-zh-{viewport}");
        await page.GotoAsync(server.BaseUrl + url + (url.Contains('?') ? "&" : "?") + "culture=en");
        (await page.GetAttributeAsync("html", "lang")).ShouldBe("en");
        await Shot(page, $"{name}-en-{viewport}");
    }

    [Fact]
    public async Task AVisitor_ReadsTheHomeIndicatorsAndCatalogue_InChineseThenEnglish()
    {
        foreach (var (name, width, height) in Viewports)
        {
            var page = await NewPage(width, height);
            await page.GotoAsync(server.BaseUrl + "/");
            (await page.GetAttributeAsync("html", "lang")).ShouldBe("zh-CN"); // even for an English browser
            (await page.Locator(".levels li strong").AllInnerTextsAsync()).ShouldBe(["信用极好", "信用优秀", "信用良好", "轻微失信", "信用较差"]);
            await Shot(page, $"home-zh-{name}");

            if (name == "phone")
            {
                // The menu is folded on a phone; the button opens it, Escape closes it and focus returns.
                (await page.IsVisibleAsync("nav.nav-public")).ShouldBeFalse();
                await page.FocusAsync("button.menu-toggle");
                await page.Keyboard.PressAsync("Enter");
                (await page.IsVisibleAsync("nav.nav-public")).ShouldBeTrue();
                (await page.GetAttributeAsync("button.menu-toggle", "aria-expanded")).ShouldBe("true");
                await Shot(page, "menu-zh-phone");
                await page.FocusAsync("nav.nav-public a[href='/public/indicators']");
                await page.Keyboard.PressAsync("Escape");
                (await page.IsVisibleAsync("nav.nav-public")).ShouldBeFalse();
                (await page.EvaluateAsync<string>("() => document.activeElement.className")).ShouldBe("menu-toggle");
            }
            else
            {
                (await page.IsVisibleAsync("nav.nav-public")).ShouldBeTrue();
            }

            await page.GotoAsync(server.BaseUrl + "/public/indicators");
            (await page.Locator("table.indicators tbody tr").CountAsync()).ShouldBeGreaterThan(20);
            await Shot(page, $"indicators-zh-{name}");

            await page.GotoAsync(server.BaseUrl + "/catalog");
            await page.SelectOptionAsync("select[name=unit]", "WATER-SUPPLY");
            await page.ClickAsync("form.filters button");
            (await page.Locator("tbody tr").CountAsync()).ShouldBe(2);
            await Shot(page, $"catalog-zh-{name}");

            // The language switch in the header (inside the menu on a phone).
            if (name == "phone")
            {
                await page.ClickAsync("button.menu-toggle");
            }

            await page.ClickAsync("form.lang button");
            await Sessions.ArriveAsync(server, page, "**/catalog?*");
            (await page.GetAttributeAsync("html", "lang")).ShouldBe("en");
            await Shot(page, $"catalog-en-{name}");
            await page.GotoAsync(server.BaseUrl + "/");
            (await page.Locator(".levels li strong").AllInnerTextsAsync()).ShouldBe(["Outstanding", "Excellent", "Good", "Minor dishonesty", "Poor"]);
            await Shot(page, $"home-en-{name}");
            await page.GotoAsync(server.BaseUrl + "/public/indicators");
            (await page.InnerTextAsync("h1")).ShouldBe("The Shangding score indicator system");
            await Shot(page, $"indicators-en-{name}");
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task OnAPhoneWithoutJavaScript_TheMenuStaysOpen_AndTheSkipLinkWorksByKeyboard()
    {
        server.RequireBrowser();
        var context = await server.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 390, Height = 844 },
            JavaScriptEnabled = false,
        });
        var page = await context.NewPageAsync();
        await page.GotoAsync(server.BaseUrl + "/public/indicators");
        (await page.IsVisibleAsync("nav.nav-public")).ShouldBeTrue();
        (await page.IsVisibleAsync("nav.nav-public a[href='/public/lists']")).ShouldBeTrue();

        // The first Tab reaches the skip link, which is then visible; Enter moves to the content.
        await page.Keyboard.PressAsync("Tab");
        (await page.EvaluateAsync<string>("() => document.activeElement.className")).ShouldBe("skip");
        var box = await page.Locator("a.skip").BoundingBoxAsync();
        box.ShouldNotBeNull();
        box.X.ShouldBeGreaterThanOrEqualTo(0);
        await page.Keyboard.PressAsync("Enter");
        // The jump to #main is a navigation of its own, which the browser reports a moment after the key press (CI once
        // read the address before it had).
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("#main$"), new PageWaitForURLOptions { Timeout = 10_000 });
        page.Url.ShouldEndWith("#main");
        await context.CloseAsync();
    }

    [Fact]
    public async Task AVisitor_ReadsThePoliciesAndRemedies()
    {
        foreach (var (name, width, height) in Viewports)
        {
            var page = await NewPage(width, height);
            await ShootBothLanguages(page, "/public/policies", "policies", name);
            (await page.Locator("ol.documents > li").CountAsync()).ShouldBe(5);
            await ShootBothLanguages(page, "/public/remedies", "remedies", name);
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task AClerk_EntersARecordWithABadId_AndSeesTheReasonBesideTheField()
    {
        foreach (var (name, width, height) in Viewports)
        {
            var page = await NewPage(width, height);
            await SignIn(page, "water", "/unit");
            await Shot(page, $"unit-desk-zh-{name}");

            await page.GotoAsync(server.BaseUrl + "/unit/entry/P-ARREARS-WATER");
            await page.FillAsync("#f_name", "赵六");
            await page.FillAsync("#f_id_number", "410105197905061351");
            await page.ClickAsync("form.entry-form button[type=submit]");
            (await page.InnerTextAsync("#f_id_number-error")).ShouldContain("校验位");
            (await page.InputValueAsync("#f_name")).ShouldBe("赵六");
            await Shot(page, $"unit-entry-errors-zh-{name}");
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task AClerk_DownloadsTheTemplate_UploadsAFileWithABadRow_AndSeesTheReason()
    {
        var page = await NewPage(1280, 900);
        await SignIn(page, "water", "/unit");
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("a[href='/api/v1/catalog/P-ARREARS-WATER/template.xlsx']"));
        var templatePath = await download.PathAsync();
        var template = await File.ReadAllBytesAsync(templatePath!, TestContext.Current.CancellationToken);
        template[..2].ShouldBe("PK"u8.ToArray()); // an .xlsx (zip) file

        var good = TestPlatform.ResidentId(new DateOnly(1981, 7, 9), 321);
        var bad = good[..17] + (good[17] == '1' ? "2" : "1");
        string?[] Row(string key, string id) => [key, "钱七", "居民身份证", id, "郑州市中原区建设路 8 号", "2025-05-01", "2026-01-31", "45", "1234.5", "市自来水公司", "2026-02-10"];
        var file = TemplateFiller.Fill(template, [Row("BROWSER-1", good), Row("BROWSER-2", bad)]);

        await UploadWater(page, new FilePayload { Name = "十一月欠费.xlsx", MimeType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Buffer = file });
        // The batch page reloads itself while the import runs in the background; the rejects appear when it is done.
        var reasons = await page.InnerTextAsync("main table");
        reasons.ShouldContain("BROWSER-2");
        reasons.ShouldContain("校验位");
        reasons.ShouldNotContain("BROWSER-1");
        await Shot(page, "unit-batch-zh-desktop");
        // The six count tiles stand in one row on a desktop, level (a margin above every tile but the first once pushed
        // five of them a line down).
        var tops = await page.EvaluateAsync<double[]>("() => [...document.querySelectorAll('.grid.counts > .stat')].map(e => e.getBoundingClientRect().top)");
        tops.Length.ShouldBe(6);
        tops.ShouldAllBe(top => Math.Abs(top - tops[0]) < 0.5);
        await page.SetViewportSizeAsync(390, 844);
        await page.GotoAsync(page.Url + "?culture=en");
        (await page.InnerTextAsync("main table")).ShouldContain("check");
        await Shot(page, "unit-batch-en-phone");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task AFileOverTheLimit_IsRefusedInTheBrowser_BeforeItIsSent()
    {
        var page = await NewPage(390, 844);
        await SignIn(page, "water", "/unit");
        await page.GotoAsync(server.BaseUrl + "/unit/upload/P-ARREARS-WATER");
        (await page.GetAttributeAsync("#upload-form", "data-max-bytes")).ShouldBe((300L << 20).ToString(System.Globalization.CultureInfo.InvariantCulture));
        // The limit as the page states it, lowered so that a small file stands for one over 300 MB.
        await page.EvalOnSelectorAsync("#upload-form", "f => f.dataset.maxBytes = '100'");
        var posts = 0;
        page.Request += (_, request) => posts += request.Method == "POST" ? 1 : 0;
        await page.SetInputFilesAsync("#Upload", new FilePayload { Name = "太大.csv", MimeType = "text/csv", Buffer = new byte[4096] });
        await page.ClickAsync("#upload-form button[type=submit]");

        (await page.InnerTextAsync("#upload-status")).ShouldContain("超过 300 MB 的上限");
        page.Url.ShouldEndWith("/unit/upload/P-ARREARS-WATER");
        posts.ShouldBe(0);
        await Shot(page, "unit-upload-too-large-zh-phone");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task AClerk_WhoseUploadWaitsForTheDatabase_SeesItStarting_AndCancelsIt()
    {
        var page = await NewPage(1280, 900);
        await SignIn(page, "water", "/unit");
        var folder = Directory.CreateTempSubdirectory("shangding-starting-");
        // On SQLite a batch import (here: the test's own connection) holds the database's write lock: the upload's batch
        // row waits for it, and the clerk is answered with the upload's own "starting" page.
        await using var holder = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={server.DatabasePath}");
        await holder.OpenAsync(TestContext.Current.CancellationToken);
        try
        {
            var file = Path.Combine(folder.FullName, "三月欠费.csv");
            await WriteWaterCsv(file, "STARTING-", 20, 900);
            await using (var begin = holder.CreateCommand())
            {
                begin.CommandText = "BEGIN IMMEDIATE";
                await begin.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
            }

            await UploadWaterFile(page, file, "**/unit/uploads/*");
            (await page.InnerTextAsync("h1")).ShouldBe("正在开始处理");
            (await page.InnerTextAsync(".batch-progress")).ShouldContain("如另一批次正在入库，需等其完成");
            (await page.InnerTextAsync(".batch-progress button[type=submit]")).ShouldBe("取消上传");
            await Shot(page, "unit-upload-starting-zh-desktop");

            await page.ClickAsync(".batch-progress button[type=submit]");
            await page.WaitForSelectorAsync(".batch-progress p:has-text('正在取消')");
            (await page.QuerySelectorAsync(".batch-progress button")).ShouldBeNull();
            await using (var rollback = holder.CreateCommand())
            {
                rollback.CommandText = "ROLLBACK";
                await rollback.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
            }

            // Its row written once the lock is free, the batch says it was cancelled; the page, reloading itself, goes there.
            await Sessions.ArriveAsync(server, page, "**/unit/batches/*");
            await page.WaitForSelectorAsync("main .error:has-text('已取消，未保存任何记录')", new() { Timeout = 30_000 });
            (await page.InnerTextAsync("dl.facts")).ShouldContain("未处理");
            await page.Context.CloseAsync();
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task AClerk_WatchesABigUploadGoOn_QueuesAnother_AndCancelsTheFirst()
    {
        var page = await NewPage(1280, 900);
        await SignIn(page, "water", "/unit");
        // Files on disk, sent by the browser as a clerk's would be. The first has a million rows, so that it is still
        // importing (about 25 s on SQLite) while the second is sent and waits in line behind it.
        var folder = Directory.CreateTempSubdirectory("shangding-queue-");
        try
        {
            var first = Path.Combine(folder.FullName, "全年欠费.csv");
            var queuedFile = Path.Combine(folder.FullName, "补报欠费.csv");
            await WriteWaterCsv(first, "CANCEL-", 1_000_000, 500);
            await WriteWaterCsv(queuedFile, "QUEUED-", 100_000, 800);
            new FileInfo(queuedFile).Length.ShouldBeGreaterThan(10 << 20); // UploadJobs.BigFileBytes: it needs one of the big-file slots
            var watch = System.Diagnostics.Stopwatch.StartNew();
            await UploadWaterFile(page, first, "**/unit/batches/*");
            await page.WaitForSelectorAsync(".batch-progress progress");
            (await page.InnerTextAsync("dl.facts")).ShouldContain("处理中");
            // Reloaded every 2 s: how many rows have been read and checked shows from the first 10,000.
            await page.WaitForSelectorAsync(".batch-progress p:has-text('已读取并校验')");
            (await page.InnerTextAsync(".batch-progress")).ShouldContain("关闭本页面不会中断处理");
            await Shot(page, "unit-batch-running-zh-desktop");

            // A second big file, from another tab: on SQLite the server imports one big file at a time (the default of
            // Intake:MaxConcurrentUploads there), so it waits in line on a page of its own.
            var second = await page.Context.NewPageAsync();
            await UploadWaterFile(second, queuedFile, "**/unit/uploads/*");
            (await second.InnerTextAsync(".batch-progress")).ShouldContain("您的文件排在第 1 位");
            await Shot(second, "unit-upload-queued-zh-desktop");
            var queuePage = second.Url;
            queuePage.ShouldContain("?category=P-ARREARS-WATER");
            await second.SetViewportSizeAsync(390, 844);
            await second.GotoAsync(queuePage + "&culture=en");
            (await second.InnerTextAsync(".batch-progress")).ShouldContain("yours is number 1 in line");
            await Shot(second, "unit-upload-queued-en-phone");
            await second.GotoAsync(queuePage);
            Console.WriteLine($"Big-upload journey: the queued file's page shot {watch.Elapsed.TotalSeconds:F1} s after the first upload began");

            await page.BringToFrontAsync();
            await page.ClickAsync(".batch-progress button[type=submit]");
            // Reloaded until the import has rolled back: the batch then says it was cancelled and stored nothing.
            (await page.InnerTextAsync("main .error")).ShouldContain("已取消，未保存任何记录");
            (await page.InnerTextAsync("dl.facts")).ShouldContain("未处理");
            await Shot(page, "unit-batch-cancelled-zh-desktop");

            // The file in line then gets its turn: its page, reloading itself, moves on to its batch, which ends stored.
            await second.BringToFrontAsync();
            await Sessions.ArriveAsync(server, second, "**/unit/batches/*");
            await second.WaitForSelectorAsync("dl.facts dd:has-text('已入库')", new() { Timeout = 60_000 });
            (await second.InnerTextAsync(".counts")).ShouldContain("100,000");
            await second.CloseAsync();

            await page.SetViewportSizeAsync(390, 844);
            await page.GotoAsync(page.Url + "?culture=en");
            (await page.InnerTextAsync("main .error")).ShouldContain("Cancelled; nothing was stored.");
            await Shot(page, "unit-batch-cancelled-en-phone");
            await page.Context.CloseAsync();
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task ACitizen_OptsIn_AndSeesTheNewScoreWithItsGauge()
    {
        var page = await NewPage(1280, 900);
        await SignIn(page, "citizen", "/me");
        await Shot(page, "me-zh-desktop");
        await page.ClickAsync("main a[href='/me/score']");
        await Sessions.ArriveAsync(server, page, "**/me/score");
        (await page.Locator("#score-value").CountAsync()).ShouldBe(0); // not opted in yet
        await Shot(page, "score-optin-zh-desktop");

        // Submitting without the confirmation shows the error beside the box.
        await page.ClickAsync("form.confirm-form button[type=submit]");
        (await page.InnerTextAsync("#Confirm-error")).ShouldBe("请勾选确认后再提交。");
        await page.CheckAsync("#Confirm");
        await page.ClickAsync("form.confirm-form button[type=submit]");
        await page.WaitForSelectorAsync("#score-value");
        (await page.InnerTextAsync("p.success")).ShouldContain("已开通商鼎分");
        var score = int.Parse(await page.InnerTextAsync("#score-value"), System.Globalization.CultureInfo.InvariantCulture);
        score.ShouldBeInRange(0, 200);
        await page.WaitForSelectorAsync(".chart.gauge.chart-ready svg");
        (await page.TextContentAsync(".chart.gauge svg") ?? "").ShouldContain(score.ToString(System.Globalization.CultureInfo.InvariantCulture));
        (await page.Locator("ul.contributions li").CountAsync()).ShouldBeGreaterThan(1);
        await Shot(page, "score-zh-desktop");

        await page.ClickAsync("form[action*='handler=Donate'] button");
        await page.WaitForSelectorAsync(".whatif-result");
        (await page.InnerTextAsync(".whatif-result")).ShouldContain($"积分将从 {score} 分变为");
        await Shot(page, "score-whatif-zh-desktop");

        await ShootBothLanguages(page, "/me/score", "score", "desktop");
        await page.SetViewportSizeAsync(390, 844);
        await ShootBothLanguages(page, "/me/score", "score", "phone");
        await ShootBothLanguages(page, "/me", "me", "phone");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task AnOperator_SeesTheDashboardWithItsCharts()
    {
        foreach (var (name, width, height) in Viewports)
        {
            var page = await NewPage(width, height);
            await SignIn(page, "operator", "/operator");
            await page.WaitForSelectorAsync(".chart.chart-ready svg");
            (await page.Locator(".chart.chart-ready").CountAsync()).ShouldBe(2);
            (await page.Locator("#levels-table tbody tr").CountAsync()).ShouldBe(5);
            await ShootBothLanguages(page, "/operator", "operator", name);
            await ShootBothLanguages(page, "/operator/accounts", "operator-accounts", name);
            await ShootBothLanguages(page, "/operator/calendar?year=2026", "operator-calendar", name);
            await page.Context.CloseAsync();
        }
    }
}
