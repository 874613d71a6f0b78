using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Playwright;
using Shangding.Core.Subjects;
using Shangding.Testing;

namespace Shangding.Browser.Tests;

/// <summary>
/// Journeys that cross modules, through the real server in headless Chromium: a citizen's grant used
/// by an organisation and revoked; a visitor's public-list search; a citizen disputing a record from
/// their records page and an operator seeing it overdue; an enterprise signing in with its business
/// licence and disputing its own penalty on a phone. Every page is screenshotted at desktop and
/// phone width, in Chinese and English, to artifacts/screenshots/journey-*.png.
/// </summary>
public sealed class CrossModuleJourneyTests(WebServer server) : IClassFixture<WebServer>
{
    private const string CitizenName = Sessions.CitizenName;
    private const string CitizenId = Sessions.CitizenId;
    private const string Landlord = "郑州安居住房租赁公司"; // AccessDemo account "landlord"

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Task<IPage> NewPage(int width = 1280, int height = 900) => Sessions.NewPage(server, width, height);

    private Task<IPage> CitizenPage() => Sessions.Citizen(server);

    private Task<IPage> StaffPage(string user, string landing) => Sessions.Staff(server, user, landing);

    /// <summary>Screenshots the page as it is now at desktop and phone width (a page that is the answer to a form stays as it is).</summary>
    private static async Task ShootAsIs(IPage page, string name)
    {
        await page.SetViewportSizeAsync(1280, 900);
        await Shot(page, name + "-desktop");
        await page.SetViewportSizeAsync(390, 844);
        await Shot(page, name + "-phone");
        await page.SetViewportSizeAsync(1280, 900);
    }

    /// <summary>Loads a page in Chinese and in English and screenshots each at desktop and phone width.</summary>
    private async Task ShootBoth(IPage page, string url, string name)
    {
        foreach (var (culture, lang) in new[] { ("zh", "zh-CN"), ("en", "en") })
        {
            await page.GotoAsync(server.BaseUrl + url + (culture == "en" ? (url.Contains('?') ? "&" : "?") + "culture=en" : ""));
            (await page.GetAttributeAsync("html", "lang")).ShouldBe(lang);
            await ShootAsIs(page, $"journey-{name}-{culture}");
        }
    }

    private static async Task Shot(IPage page, string name)
    {
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(WebServer.ScreenshotDirectory, name + ".png"), FullPage = true });
        (await page.InnerTextAsync("body")).ShouldNotMatch(@"\[[a-z]+\.[\w.\-]+\]", name);
        (await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth + 1")).ShouldBeTrue($"{name} overflows sideways");
        (await page.ContentAsync()).ShouldNotContain(CitizenId[..14], Case.Sensitive, name); // only the citizen's own pages may show it, and these do not
    }

    private async Task<IAPIResponse> BenefitCheck(IPage organisation, string? grantCode) =>
        await organisation.Context.APIRequest.PostAsync(server.BaseUrl + "/api/v1/benefit-checks", new APIRequestContextOptions
        {
            DataObject = new { subject = new { idNumber = CitizenId, name = CitizenName }, benefit = "rental-deposit-waiver", purpose = "租房押金减免", grantCode },
        });

    [Fact]
    public async Task ACitizen_Grants_TheOrganisationsCheckIsAllowedAndListed_ThenRevoked_AndTheNextCheckIsRefused()
    {
        var citizen = await CitizenPage();
        await citizen.GotoAsync(server.BaseUrl + "/me/grants");
        await citizen.SelectOptionAsync("#Recipient", new SelectOptionValue { Label = Landlord });
        await citizen.SelectOptionAsync("#Scope", "benefit");
        await citizen.SelectOptionAsync("#Benefit", "rental-deposit-waiver");
        await citizen.FillAsync("#Purpose", "租房押金减免");
        var validUntil = await citizen.InputValueAsync("#Expires"); // the proposed last day, yyyy-MM-dd
        await citizen.ClickAsync("form.entry-form button[type=submit]");
        (await citizen.Locator(".qr svg").CountAsync()).ShouldBe(1);
        var code = (await citizen.InnerTextAsync("#grant-code")).Trim();
        code.ShouldMatch("^SDG-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$");
        await ShootAsIs(citizen, "journey-grant-issued-zh");

        // The organisation's system checks the benefit with the code (its signed-in session, same API as a token).
        var landlord = await StaffPage("landlord", "/");
        var allowed = await BenefitCheck(landlord, code);
        allowed.Status.ShouldBe(200, await allowed.TextAsync());
        var answer = JsonDocument.Parse(await allowed.TextAsync()).RootElement;
        answer.GetProperty("benefit").GetString().ShouldBe("rental-deposit-waiver");
        answer.GetProperty("eligible").ValueKind.ShouldBeOneOf(JsonValueKind.True, JsonValueKind.False);
        answer.TryGetProperty("score", out _).ShouldBeFalse(); // only yes or no
        answer.TryGetProperty("level", out _).ShouldBeFalse();

        // The citizen sees the check in who queried me, and the grant used once.
        await citizen.GotoAsync(server.BaseUrl + "/me/queries");
        var rows = await citizen.Locator("tbody tr").AllInnerTextsAsync();
        rows.ShouldContain(r => r.Contains(Landlord) && r.Contains("已准许") && r.Contains("租房押金减免"));
        await ShootBoth(citizen, "/me/queries", "queries-used");
        await citizen.GotoAsync(server.BaseUrl + "/me/grants");
        var grantRow = citizen.Locator("tbody tr", new PageLocatorOptions { HasText = Landlord }).First;
        (await grantRow.InnerTextAsync()).ShouldContain("有效");
        (await grantRow.InnerTextAsync()).ShouldContain(validUntil); // valid until the day chosen, not the day after
        await ShootBoth(citizen, "/me/grants", "grants-active");

        // Revoke: the very next check is refused with the same answer as any refusal, and logged.
        await citizen.GotoAsync(server.BaseUrl + "/me/grants");
        await citizen.Locator("tbody tr", new PageLocatorOptions { HasText = Landlord }).First.Locator("form button[type=submit]").ClickAsync();
        (await citizen.InnerTextAsync("main")).ShouldContain("授权已撤销");
        await ShootAsIs(citizen, "journey-grant-revoked-zh");
        var refused = await BenefitCheck(landlord, code);
        refused.Status.ShouldBe(403);
        // The same answer as for no grant at all: the reason is for the citizen, not the organisation.
        var noGrant = await BenefitCheck(landlord, null);
        noGrant.Status.ShouldBe(403);
        static string WithoutTrace(string body) => System.Text.RegularExpressions.Regex.Replace(body, "\"traceId\":\"[^\"]*\"", "");
        WithoutTrace(await refused.TextAsync()).ShouldBe(WithoutTrace(await noGrant.TextAsync()));

        await citizen.GotoAsync(server.BaseUrl + "/me/queries");
        (await citizen.Locator("tbody tr").AllInnerTextsAsync()).ShouldContain(r => r.Contains(Landlord) && r.Contains("已拒绝") && r.Contains("授权已撤销"));
        await ShootBoth(citizen, "/me/queries", "queries-refused");
        await citizen.Context.CloseAsync();
        await landlord.Context.CloseAsync();
    }

    [Fact]
    public async Task AVisitor_SearchesTheSevereList_ByNameAndFullId_SeesAMaskedResult_AndNothingForAWrongId()
    {
        // The intermediate court reports a dishonest person subject to enforcement (serious, class A: on the severe list).
        var id = TestPlatform.ResidentId(new DateOnly(1976, 3, 14), 517);
        var clerk = await StaffPage("court", "/unit");
        await clerk.GotoAsync(server.BaseUrl + "/unit/entry/P-COURT-DISHONEST-ENFORCEE");
        await clerk.FillAsync("#f_record_key", "BROWSER-SEVERE-1");
        await clerk.FillAsync("#f_case_number", "（2026）豫01执1234号");
        await clerk.FillAsync("#f_cause_of_action", "民间借贷纠纷");
        await clerk.FillAsync("#f_enforcing_court", "郑州市中级人民法院");
        await clerk.FillAsync("#f_enforcement_amount", "52000");
        await clerk.FillAsync("#f_name", "孙浩然");
        await clerk.SelectOptionAsync("#f_id_type", "居民身份证");
        await clerk.FillAsync("#f_id_number", id);
        await clerk.SelectOptionAsync("#f_case_status", "执行中");
        await clerk.FillAsync("#f_act_date", DateTime.Today.AddDays(-30).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        await clerk.ClickAsync("form.entry-form button[type=submit]");
        (await clerk.Locator(".field-error").CountAsync()).ShouldBe(0, await clerk.InnerTextAsync("main"));
        await clerk.Context.CloseAsync();

        var page = await NewPage();
        foreach (var (culture, lang, found, none) in new[] { ("zh", "zh-CN", "查询结果", "没有找到公开信息"), ("en", "en", "Results", "No public information found") })
        {
            var url = server.BaseUrl + "/public/lists?list=severe" + (culture == "en" ? "&culture=en" : "");
            await page.GotoAsync(url);
            (await page.GetAttributeAsync("html", "lang")).ShouldBe(lang);
            await ShootAsIs(page, $"journey-lists-{culture}");

            await page.FillAsync("form.filters input[name=Name]", "孙浩然");
            await page.FillAsync("form.filters input[name=Identifier]", id);
            await page.ClickAsync("form.filters button[type=submit]");
            var main = await page.InnerTextAsync("main");
            main.ShouldContain(found);
            main.ShouldNotContain(id);
            // The result repeats the name the visitor typed, with the ID number masked.
            var result = await page.Locator("main h3 + .table-scroll tbody tr").AllInnerTextsAsync();
            result.Count.ShouldBe(1);
            result[0].ShouldContain("孙浩然");
            result[0].ShouldContain(Masking.Mask(id));
            result[0].ShouldContain(culture == "zh" ? "失信被执行人" : "dishonest person");
            // In the list itself the person's name is masked too.
            var listed = await page.Locator("main > .table-scroll").Last.Locator("tbody tr td:first-child").AllInnerTextsAsync();
            listed.ShouldNotBeEmpty();
            listed.ShouldAllBe(name => name.Contains('*'));
            await ShootAsIs(page, $"journey-lists-found-{culture}");

            // The same name with another (valid) ID number: nothing, and nothing about anyone.
            await page.GotoAsync(url);
            await page.FillAsync("form.filters input[name=Name]", "孙浩然");
            await page.FillAsync("form.filters input[name=Identifier]", TestPlatform.ResidentId(new DateOnly(1976, 3, 14), 519));
            await page.ClickAsync("form.filters button[type=submit]");
            var results = page.Locator("main h3 + *");
            (await results.InnerTextAsync()).ShouldStartWith(none);
            await ShootAsIs(page, $"journey-lists-none-{culture}");
        }

        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task ACitizen_DisputesARecordFromTheirRecords_AndTheOperatorSeesItOverdue()
    {
        var citizen = await CitizenPage();
        await ShootBoth(citizen, "/me/records", "records");
        await citizen.GotoAsync(server.BaseUrl + "/me/records");
        var water = citizen.Locator("tbody tr", new PageLocatorOptions { HasText = "市自来水公司" }).First;
        (await water.Locator("a[href^='/me/repairs?recordId=']").CountAsync()).ShouldBe(1); // a bad record in force can be repaired
        await water.Locator("a[href^='/me/disputes?recordId=']").ClickAsync();
        await Sessions.ArriveAsync(server, citizen, "**/me/disputes?recordId=*");
        var recordId = long.Parse(citizen.Url.Split("recordId=")[1], CultureInfo.InvariantCulture);
        (await citizen.InputValueAsync("#RecordId")).ShouldBe(recordId.ToString(CultureInfo.InvariantCulture)); // the record is chosen already
        await ShootBoth(citizen, $"/me/disputes?recordId={recordId}", "dispute-form");
        await citizen.GotoAsync(server.BaseUrl + $"/me/disputes?recordId={recordId}");

        // Without a reason the error is beside the field; nothing is filed.
        await citizen.ClickAsync("form.entry-form button[type=submit]");
        (await citizen.InnerTextAsync("#Reason-error")).ShouldNotBeNullOrWhiteSpace();
        await ShootAsIs(citizen, "journey-dispute-error-zh");

        await citizen.FillAsync("#Reason", "欠费已于 2025 年结清，水费账户余额为零，请核实。");
        await citizen.SetInputFilesAsync("#files", new FilePayload { Name = "缴费凭证.png", MimeType = "image/png", Buffer = Sessions.TinyPng });
        await citizen.ClickAsync("form.entry-form button[type=submit]");
        (await citizen.InnerTextAsync("p.success")).ShouldContain("异议已受理");
        await ShootBoth(citizen, "/me/disputes", "disputes-filed");

        // The records page now marks the record as under dispute.
        await citizen.GotoAsync(server.BaseUrl + "/me/records");
        (await citizen.Locator("tbody tr", new PageLocatorOptions { HasText = "市自来水公司" }).First.InnerTextAsync()).ShouldContain("异议处理中");
        await ShootBoth(citizen, "/me/records", "records-disputed");
        await citizen.GotoAsync(server.BaseUrl + "/me");
        (await citizen.InnerTextAsync("main .under-dispute")).ShouldBe("1 条记录异议处理中");
        await ShootBoth(citizen, "/me", "me-disputed");
        await citizen.Context.CloseAsync();

        // Time passes: the credit centre's forwarding deadline (3 working days) is two weeks behind.
        // The server runs on the real clock, so the dispute is aged in its database instead.
        long disputeId;
        await using (var db = new SqliteConnection($"Data Source={server.DatabasePath}"))
        {
            await db.OpenAsync(Ct);
            await using var age = db.CreateCommand();
            age.CommandText = "UPDATE disputes SET filed_at = $filed, forward_due = $due WHERE record_id = $record AND forwarded_at IS NULL RETURNING id";
            var today = DateOnly.FromDateTime(DateTime.Now);
            age.Parameters.AddWithValue("$filed", DateTime.UtcNow.AddDays(-21).ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture));
            age.Parameters.AddWithValue("$due", today.AddDays(-14).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            age.Parameters.AddWithValue("$record", recordId);
            disputeId = (long)(await age.ExecuteScalarAsync(Ct))!;
        }

        var op = await StaffPage("operator", "/operator");
        await op.GotoAsync(server.BaseUrl + "/operator/disputes");
        var row = op.Locator($"tr[data-dispute='{disputeId}']");
        (await row.GetAttributeAsync("class") ?? "").ShouldContain("overdue");
        (await row.InnerTextAsync()).ShouldContain("逾期");
        (await op.InnerTextAsync("#overdue-count")).ShouldNotBeNullOrWhiteSpace();
        await ShootBoth(op, "/operator/disputes", "operator-disputes-overdue");
        await ShootBoth(op, "/operator/disputes?overdue=true", "operator-disputes-only-overdue");
        (await op.Locator($"tr[data-dispute='{disputeId}']").CountAsync()).ShouldBe(1);
        await op.Context.CloseAsync();
    }

    [Fact]
    public async Task AnEnterprise_SignsInWithItsBusinessLicence_OnAPhone_AndDisputesItsPenalty()
    {
        var page = await NewPage(390, 844);
        await page.GotoAsync(server.BaseUrl + "/");
        await page.ClickAsync("button.menu-toggle");
        await page.ClickAsync("a[href='/account/organisation']");
        await Sessions.ArriveAsync(server, page, "**/account/organisation");
        await ShootAsIs(page, "journey-organisation-signin-zh");
        await page.FillAsync("#Name", Sessions.OrganisationName);
        await page.FillAsync("#Uscc", Sessions.OrganisationUscc.ToLowerInvariant()); // typed in lower case: normalised
        await page.FillAsync("#Code", "246810");
        await page.ClickAsync("main button[type=submit]");
        await Sessions.ArriveAsync(server, page, "**/me");
        (await page.InnerTextAsync("main")).ShouldContain("组织没有商鼎分");
        await ShootBoth(page, "/me", "organisation-me");
        await ShootBoth(page, "/me/records", "organisation-records");

        await page.GotoAsync(server.BaseUrl + "/me/records");
        var penalty = page.Locator("tbody tr", new PageLocatorOptions { HasText = "行政处罚" }).First;
        await penalty.Locator("a[href^='/me/disputes?recordId=']").ClickAsync();
        await Sessions.ArriveAsync(server, page, "**/me/disputes?recordId=*");
        await page.FillAsync("#Reason", "罚款金额应为 1000 元，见处罚决定书第 2 页。");
        await page.SetInputFilesAsync("#files", new FilePayload { Name = "处罚决定书.png", MimeType = "image/png", Buffer = Sessions.TinyPng });
        await page.ClickAsync("form.entry-form button[type=submit]");
        (await page.InnerTextAsync("p.success")).ShouldContain("异议已受理");
        await ShootBoth(page, "/me/disputes", "organisation-disputes");
        await ShootBoth(page, "/me/repairs", "organisation-repairs");
        await page.Context.CloseAsync();
    }
}
