using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Playwright;

namespace Shangding.Browser.Tests;

/// <summary>
/// Every main page of each portal, screenshotted in Chinese and English at desktop (1280 px) and phone
/// (390 px) width as <c>page-*-{zh|en}-{desktop|phone}.png</c>, each checked for untranslated text keys,
/// sideways overflow and the citizen's ID number. The remedies queues are shown with work in them:
/// 王小明 files a dispute, applies for repair and reports a good deed in the browser first; the dispute
/// and the repair application are then aged in the server's database (its clock cannot be moved), so
/// the staff pages and the dashboard show them overdue, and the operator forwards the dispute to the
/// unit. Forms that put errors beside their fields are shot with errors too (<c>page-*-errors-*</c>).
/// </summary>
public sealed class PageTourTests(WebServer server) : IClassFixture<WebServer>
{
    private const string CitizenName = Sessions.CitizenName;
    private const string CitizenId = Sessions.CitizenId;

    private Task<IPage> NewPage() => Sessions.NewPage(server);

    /// <summary>Signed in; the landing page is whatever the role's home is.</summary>
    private Task<IPage> StaffPage(string user) => Sessions.Staff(server, user, user == "operator" ? "/operator" : "/unit");

    private Task<IPage> CitizenPage() => Sessions.Citizen(server);

    private async Task Tour(IPage page, params (string Url, string Name)[] pages)
    {
        foreach (var (url, name) in pages)
        {
            await Screenshots.ShootPage(page, server.BaseUrl, url, "page-" + name);
            // None of these pages is the citizen's own export: the ID number never appears whole.
            (await page.ContentAsync()).ShouldNotContain(CitizenId, Case.Sensitive, url);
        }

        await page.Context.CloseAsync();
    }

    /// <summary>Moves the open dispute's filing three weeks back (forwarding due two weeks ago) and the pending repair application's a month back (decision due a week ago).</summary>
    private async Task AgeAsync()
    {
        var today = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8));
        await using var db = new SqliteConnection($"Data Source={server.DatabasePath}");
        await db.OpenAsync();
        await using var age = db.CreateCommand();
        age.CommandText = """
            UPDATE disputes SET filed_at = $disputeFiled, forward_due = $forwardDue WHERE forwarded_at IS NULL;
            UPDATE repair_applications SET filed_at = $repairFiled, decision_due = $decisionDue WHERE status = 'Pending';
            """;
        age.Parameters.AddWithValue("$disputeFiled", DateTime.UtcNow.AddDays(-21).ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture));
        age.Parameters.AddWithValue("$forwardDue", today.AddDays(-14).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        age.Parameters.AddWithValue("$repairFiled", DateTime.UtcNow.AddDays(-30).ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture));
        age.Parameters.AddWithValue("$decisionDue", today.AddDays(-7).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        (await age.ExecuteNonQueryAsync()).ShouldBe(2);
    }

    [Fact]
    public async Task EveryMainPage_InBothLanguages_AtDesktopAndPhoneWidth()
    {
        // 王小明 gives the queues something to show: a dispute and a repair application about the water
        // arrears record, and a self-reported good deed, each with a proof file.
        var citizen = await CitizenPage();
        var water = citizen.Locator("tbody tr", new PageLocatorOptions { HasText = "市自来水公司" }).First;
        var recordLink = await water.Locator("a[href^='/me/disputes?recordId=']").GetAttributeAsync("href");
        var recordId = recordLink!.Split("recordId=")[1];
        await citizen.GotoAsync(server.BaseUrl + recordLink);
        await citizen.FillAsync("#Reason", "欠费已于 2025 年结清，请核实。");
        await citizen.SetInputFilesAsync("#files", new FilePayload { Name = "缴费凭证.png", MimeType = "image/png", Buffer = Sessions.TinyPng });
        await citizen.ClickAsync("form.entry-form button[type=submit]");
        (await citizen.InnerTextAsync("p.success")).ShouldContain("异议已受理");

        await citizen.GotoAsync(server.BaseUrl + "/me/repairs?recordId=" + recordId);
        await citizen.FillAsync("#Statement", "已于 2025 年 12 月缴清全部欠费，附缴费凭证。");
        await citizen.SetInputFilesAsync("#files", new FilePayload { Name = "缴费凭证.png", MimeType = "image/png", Buffer = Sessions.TinyPng });
        await citizen.CheckAsync("input[name=Commitment]");
        await citizen.ClickAsync("form.entry-form button[type=submit]");
        (await citizen.Locator("p.success").CountAsync()).ShouldBe(1, await citizen.InnerTextAsync("main"));

        await citizen.GotoAsync(server.BaseUrl + "/me/self-reports");
        await citizen.SelectOptionAsync("#CategoryCode", "P-VOLUNTEER");
        await citizen.FillAsync("#Name", CitizenName);
        await citizen.SelectOptionAsync("#Sex", "M");
        await citizen.FillAsync("#IdNumber", CitizenId);
        await citizen.FillAsync("#ActDate", DateTime.UtcNow.AddHours(8).AddDays(-20).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        await citizen.FillAsync("#Matter", "参加社区志愿服务 120 小时。");
        await citizen.SetInputFilesAsync("#files", new FilePayload { Name = "志愿服务证明.png", MimeType = "image/png", Buffer = Sessions.TinyPng });
        await citizen.ClickAsync("form.entry-form button[type=submit]");
        (await citizen.Locator("p.success").CountAsync()).ShouldBe(1, await citizen.InnerTextAsync("main"));
        (await citizen.InnerTextAsync("main table .decision-due")).ShouldMatch(@"^\s*\d{4}-\d{2}-\d{2}");
        await Screenshots.ShootFormErrors(citizen, server.BaseUrl, "/me/grants", "page-me-grants-errors", p => p.ClickAsync("form.entry-form button[type=submit]"));
        await Tour(citizen, ("/me/records", "me-records"), ("/me/repairs", "me-repairs"), ("/me/self-reports", "me-self-reports"), ("/me/grants", "me-grants"),
            ("/me/queries", "me-queries"), ("/inbox", "inbox"));

        // Three weeks pass for the dispute (its forwarding deadline two weeks behind) and for the repair application.
        await AgeAsync();

        // The credit centre sees both overdue, then forwards the dispute to the water company.
        var op = await StaffPage("operator");
        await op.GotoAsync(server.BaseUrl + "/operator");
        (await op.InnerTextAsync("#overdue-disputes .overdue-count")).ShouldBe("1 个异议处理环节已逾期");
        (await op.InnerTextAsync("#overdue-decisions .overdue-count")).ShouldBe("1 件已逾期");
        await Screenshots.ShootPage(op, server.BaseUrl, "/operator", "page-operator");
        await Screenshots.ShootPage(op, server.BaseUrl, "/operator/disputes", "page-operator-disputes");
        await op.GotoAsync(server.BaseUrl + "/operator/disputes");
        await op.Locator("form[action*='handler=Forward'] button").First.ClickAsync();
        (await op.InnerTextAsync("p.success")).ShouldContain("已转交");
        await Tour(op, ("/operator/repairs", "operator-repairs"), ("/operator/reporting", "operator-reporting"), ("/operator/models", "operator-models"),
            ("/operator/credentials", "operator-credentials"), ("/operator/query-log", "operator-query-log"), ("/operator/audit", "operator-audit"));

        var clerk = await StaffPage("water");
        await clerk.GotoAsync(server.BaseUrl + "/unit");
        var batch = await clerk.Locator("main a[href^='/unit/batches/']").First.GetAttributeAsync("href");
        await clerk.GotoAsync(server.BaseUrl + "/unit/repairs");
        (await clerk.InnerTextAsync("main section.card .decision-due .overdue-tag")).ShouldContain("已逾期");
        (await clerk.InnerTextAsync("main section.card h2 .under-dispute")).ShouldBe("异议处理中");
        await clerk.GotoAsync(server.BaseUrl + "/unit/records?status=InForce");
        var record = await clerk.Locator("main table.unit-records tbody tr:not(:has(.tag)) a[href^='/unit/records/']").First.GetAttributeAsync("href");
        await Screenshots.ShootFormErrors(clerk, server.BaseUrl, record!, "page-unit-record-errors", p => p.ClickAsync("form[action*='handler=Withdraw'] button[type=submit]"));
        // The refused form's list of errors has the focus (js/forms.js), far down a long page; its link moves it to the field.
        (await clerk.EvaluateAsync<bool>("() => document.activeElement !== null && document.activeElement.classList.contains('form-errors')")).ShouldBeTrue();
        await clerk.ClickAsync(".form-errors a[href='#Note-withdraw']");
        (await clerk.EvaluateAsync<string>("() => document.activeElement.id")).ShouldBe("Note-withdraw");
        await Screenshots.ShootFormErrors(clerk, server.BaseUrl, "/unit/entry/P-ARREARS-WATER", "page-unit-entry-errors", p => p.ClickAsync("form.entry-form button[type=submit]"));
        // A search by an ID number with a digit left out: the clerk is told what is wrong with it, not only that nothing matched.
        await clerk.GotoAsync(server.BaseUrl + "/unit/records?culture=en");
        await clerk.FillAsync("form.filters input[name=IdNumber]", CitizenId[..17]);
        await clerk.ClickAsync("form.filters button[type=submit]");
        (await clerk.InnerTextAsync("p.id-problem[role=alert]")).ShouldStartWith("Nothing was found for this ID number. The number has the wrong length");
        (await clerk.ContentAsync()).ShouldNotContain(CitizenId[..17]);
        await Tour(clerk, ("/unit", "unit"), ("/unit/records", "unit-records"), (record!, "unit-record"), ("/unit/entry/P-ARREARS-WATER", "unit-entry"),
            ("/unit/upload/P-ARREARS-WATER", "unit-upload"), ("/unit/batches", "unit-batches"), (batch!, "unit-batch"),
            ("/unit/reporting", "unit-reporting"), ("/unit/disputes", "unit-disputes"), ("/unit/repairs", "unit-repairs"));
        await Tour(await StaffPage("operator"), ("/operator/batches", "operator-batches"), (batch!.Replace("/unit/", "/operator/", StringComparison.Ordinal), "operator-batch"));

        var civil = await StaffPage("civil");
        await Tour(civil, ("/unit/self-reports", "unit-self-reports"));

        var visitor = await NewPage();
        await Screenshots.ShootFormErrors(visitor, server.BaseUrl, "/account/citizen", "page-account-citizen-errors", async p =>
        {
            await p.FillAsync("#IdNumber", CitizenId[..17] + (CitizenId[17] == '1' ? "2" : "1")); // a wrong check digit
            await p.ClickAsync("main button[type=submit]");
        });
        await Screenshots.ShootFormErrors(visitor, server.BaseUrl, "/public/lists", "page-public-lists-errors", async p =>
        {
            await p.FillAsync("form.search-form input[name=Name]", "王小明");
            await p.ClickAsync("form.search-form button[type=submit]");
        });
        await Tour(visitor, ("/public/benefits", "public-benefits"), ("/catalog/P-ARREARS-WATER", "catalog-category"), ("/account/signin", "account-signin"),
            ("/account/citizen", "account-citizen"));
    }
}
