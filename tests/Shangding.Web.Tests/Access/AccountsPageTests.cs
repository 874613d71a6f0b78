using System.Net;
using System.Net.Http.Json;
using AngleSharp.Html.Parser;
using Shangding.Web.Tests.Infrastructure;

namespace Shangding.Web.Tests.Access;

/// <summary>/operator/accounts: an operator creates, disables, resets and gives API tokens to accounts; sessions end when they should.</summary>
public sealed class AccountsPageTests(ShangdingWebFactory factory) : IClassFixture<ShangdingWebFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<AngleSharp.Html.Dom.IHtmlDocument> Parse(HttpResponseMessage response) =>
        new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync(Ct));

    private async Task<(PortalClient Operator, string Password)> CreateAsync(string user, string name, string role, string unit = "")
    {
        var op = await PortalClient.SignedInAs(factory, "operator", Ct);
        var page = await Parse(await op.PostFormAsync("/operator/accounts?handler=Create",
            new() { ["UserName"] = user, ["DisplayName"] = name, ["Role"] = role, ["UnitCode"] = unit }, Ct, "/operator/accounts"));
        page.QuerySelector(".success")!.TextContent.ShouldContain($"已建立账户 {user}");
        return (op, page.QuerySelector("#secret")!.TextContent);
    }

    private async Task<long> AccountIdAsync(PortalClient op, string user)
    {
        var page = new HtmlParser().ParseDocument(await op.Http.GetStringAsync("/operator/accounts", Ct));
        return long.Parse(page.QuerySelector($"tr[data-account='{user}'] input[name=AccountId]")!.GetAttribute("value")!, System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Operator_CreatesAClerk_WhoSignsInWithTheFirstPassword_AndBadFieldsAreShownBesideThem()
    {
        var op = await PortalClient.SignedInAs(factory, "operator", Ct);
        var refused = await Parse(await op.PostFormAsync("/operator/accounts?handler=Create",
            new() { ["UserName"] = "Water 3", ["DisplayName"] = "报送员", ["Role"] = "unit-clerk", ["UnitCode"] = "WATER-SUPPLY" }, Ct, "/operator/accounts"));
        refused.QuerySelector("#UserName-error")!.TextContent.ShouldContain("小写字母");
        refused.QuerySelector("#UserName")!.GetAttribute("aria-invalid").ShouldBe("true");
        refused.QuerySelector("#DisplayName")!.GetAttribute("value").ShouldBe("报送员"); // what was typed stays
        refused.QuerySelector("#secret").ShouldBeNull();
        refused.QuerySelector("tr[data-account='water 3']").ShouldBeNull();

        var noUnit = await Parse(await op.PostFormAsync("/operator/accounts?handler=Create&culture=en",
            new() { ["UserName"] = "water3", ["DisplayName"] = "Clerk", ["Role"] = "unit-clerk", ["UnitCode"] = "" }, Ct, "/operator/accounts?culture=en"));
        noUnit.QuerySelector("#UnitCode-error")!.TextContent.ShouldBe("A unit clerk belongs to a reporting unit.");

        var (_, password) = await CreateAsync("water3", "市自来水公司 报送员三", "unit-clerk", "WATER-SUPPLY");
        password.Length.ShouldBe(16);
        var clerk = await PortalClient.SignedInAs(factory, "water3", Ct, password);
        var desk = await clerk.Http.GetAsync("/unit", Ct);
        desk.RequestMessage!.RequestUri!.AbsolutePath.ShouldBe("/unit");
        (await desk.Content.ReadAsStringAsync(Ct)).ShouldContain("市自来水公司");

        // The password is not on the page again.
        (await op.Http.GetStringAsync("/operator/accounts", Ct)).ShouldNotContain(password);
    }

    [Fact]
    public async Task TheAuditPage_NamesEachEntrysKindInTheReadersLanguage_BesideItsCode()
    {
        var (op, _) = await CreateAsync("auditlabel1", "审计标签测试", "auditor");
        foreach (var (query, label) in new[] { ("", "账号创建"), ("?culture=en", "Account created") })
        {
            var page = new HtmlParser().ParseDocument(await op.Http.GetStringAsync("/operator/audit" + query, Ct));
            var row = page.QuerySelectorAll("tbody tr").First(r => r.TextContent.Contains("auditlabel1"));
            var kind = row.QuerySelectorAll("td")[1];
            kind.QuerySelector("code")!.TextContent.ShouldBe("account-created");
            kind.QuerySelector("span")!.TextContent.ShouldBe(label);
        }
    }

    [Fact]
    public async Task Disabling_EndsTheOpenSession_AndResetting_EndsItToo_AndTheNewPasswordWorks()
    {
        var (op, password) = await CreateAsync("auditor3", "监督员三", "auditor");
        var auditor = await PortalClient.SignedInAs(factory, "auditor3", Ct, password);
        (await auditor.Http.GetAsync("/operator/audit", Ct)).RequestMessage!.RequestUri!.AbsolutePath.ShouldBe("/operator/audit");
        var id = await AccountIdAsync(op, "auditor3");

        var disabled = await Parse(await op.PostFormAsync("/operator/accounts?handler=Disable", new() { ["AccountId"] = id.ToString(System.Globalization.CultureInfo.InvariantCulture) }, Ct, "/operator/accounts"));
        disabled.QuerySelector(".success")!.TextContent.ShouldContain("已停用 auditor3");
        (await auditor.Http.GetAsync("/operator/audit", Ct)).RequestMessage!.RequestUri!.AbsolutePath.ShouldBe("/account/signin");

        await op.PostFormAsync("/operator/accounts?handler=Enable", new() { ["AccountId"] = id.ToString(System.Globalization.CultureInfo.InvariantCulture) }, Ct, "/operator/accounts");
        auditor = await PortalClient.SignedInAs(factory, "auditor3", Ct, password);
        (await auditor.Http.GetAsync("/operator/audit", Ct)).RequestMessage!.RequestUri!.AbsolutePath.ShouldBe("/operator/audit");

        var reset = await Parse(await op.PostFormAsync("/operator/accounts?handler=Reset", new() { ["AccountId"] = id.ToString(System.Globalization.CultureInfo.InvariantCulture) }, Ct, "/operator/accounts"));
        var second = reset.QuerySelector("#secret")!.TextContent;
        second.ShouldNotBe(password);
        (await auditor.Http.GetAsync("/operator/audit", Ct)).RequestMessage!.RequestUri!.AbsolutePath.ShouldBe("/account/signin");
        var again = await PortalClient.SignedInAs(factory, "auditor3", Ct, second);
        (await again.Http.GetAsync("/operator/audit", Ct)).RequestMessage!.RequestUri!.AbsolutePath.ShouldBe("/operator/audit");

        // An operator cannot lock themselves out.
        var self = await AccountIdAsync(op, "operator");
        var refused = await Parse(await op.PostFormAsync("/operator/accounts?handler=Disable", new() { ["AccountId"] = self.ToString(System.Globalization.CultureInfo.InvariantCulture) }, Ct, "/operator/accounts"));
        refused.QuerySelector(".error")!.TextContent.ShouldBe("不能停用自己的账户。");
    }

    [Fact]
    public async Task AThirdParty_GetsAQueryToken_ThatWorksUntilTheAccountIsDisabled()
    {
        var (op, _) = await CreateAsync("bank3", "郑州某银行三", "third-party");
        var id = (await AccountIdAsync(op, "bank3")).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var issued = await Parse(await op.PostFormAsync("/operator/accounts?handler=Token", new() { ["AccountId"] = id }, Ct, "/operator/accounts"));
        var token = issued.QuerySelector("#secret")!.TextContent;
        token.ShouldStartWith("sdq_");
        issued.QuerySelector("tr[data-account='bank3']")!.TextContent.ShouldContain("接口凭证 1 个");

        var api = factory.CreateClient();
        api.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        object Body() => new { subject = new { idNumber = "410105190001010010", name = "王小明" }, what = "level", purpose = "贷款审查", grant = "SDG-NOPE-NOPE" };
        // Signed in with the token: refused for want of a grant (403), not unauthenticated (401).
        (await api.PostAsJsonAsync("/api/v1/queries", Body(), Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        await op.PostFormAsync("/operator/accounts?handler=Disable", new() { ["AccountId"] = id }, Ct, "/operator/accounts");
        (await api.PostAsJsonAsync("/api/v1/queries", Body(), Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }
}
