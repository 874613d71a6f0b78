using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using AngleSharp.Html.Parser;
using Shangding.Web.Tests.Infrastructure;

namespace Shangding.Web.Tests.Portals;

public sealed class CredentialsPageTests(ShangdingWebFactory factory) : IClassFixture<ShangdingWebFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnOperatorIssuesAToken_ItWorksOnTheApi_AndStopsWorkingWhenRevoked()
    {
        var op = await PortalClient.SignedInAs(factory, "operator", Ct);
        var response = await op.PostFormAsync("/operator/credentials?handler=Create", new() { ["UnitCode"] = "HEATING", ["Label"] = "收费系统" }, Ct, "/operator/credentials");
        var page = new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync(Ct));
        var token = page.QuerySelector("code.token")!.TextContent;
        token.ShouldStartWith("sd_");

        using var api = factory.CreateClient();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var body = new { records = new[] { new { recordKey = "H-1", category = "P-ARREARS-HEAT", action = "withdraw" } } };
        (await api.PostAsJsonAsync("/api/v1/records", body, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);

        // The list shows the key but never the secret again.
        var list = await op.Http.GetStringAsync("/operator/credentials", Ct);
        list.ShouldNotContain(token);
        var keyId = token.Split('_')[1];
        list.ShouldContain(keyId);

        await op.PostFormAsync("/operator/credentials?handler=Revoke", new() { ["KeyId"] = keyId }, Ct, "/operator/credentials");
        (await api.PostAsJsonAsync("/api/v1/records", body, Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task AnOperatorScopesATokenToSomeOfTheUnitsCategories_AndAnotherUnitsCategoryIsRefusedBesideTheField()
    {
        var op = await PortalClient.SignedInAs(factory, "operator", Ct);
        var refused = await op.PostFormAsync("/operator/credentials?handler=Create",
            new() { ["UnitCode"] = "WATER-SUPPLY", ["Categories"] = "P-VOLUNTEER", ["Label"] = "收费系统" }, Ct, "/operator/credentials");
        var form = new HtmlParser().ParseDocument(await refused.Content.ReadAsStringAsync(Ct));
        form.QuerySelector("code.token").ShouldBeNull();
        form.QuerySelector("#Categories-error")!.TextContent.ShouldContain("该单位不报送以下类别：P-VOLUNTEER");
        form.QuerySelector("#Categories")!.GetAttribute("value").ShouldBe("P-VOLUNTEER"); // what the operator typed is kept

        var issued = await op.PostFormAsync("/operator/credentials?handler=Create",
            new() { ["UnitCode"] = "WATER-SUPPLY", ["Categories"] = "o-fee-arrears", ["Label"] = "收费系统" }, Ct, "/operator/credentials");
        var page = new HtmlParser().ParseDocument(await issued.Content.ReadAsStringAsync(Ct));
        var token = page.QuerySelector("code.token")!.TextContent;
        var keyId = token.Split('_')[1];
        var row = page.QuerySelectorAll("tbody tr").Single(r => r.TextContent.Contains(keyId, StringComparison.Ordinal));
        row.TextContent.ShouldContain("行政事业性收费");
        row.TextContent.ShouldNotContain("水费");

        using var api = factory.CreateClient();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var body = new
        {
            records = new[]
            {
                new { recordKey = "SCOPE-1", category = "O-FEE-ARREARS", action = "withdraw" },
                new { recordKey = "SCOPE-2", category = "P-ARREARS-WATER", action = "withdraw" },
            },
        };
        var answer = await (await api.PostAsJsonAsync("/api/v1/records", body, Ct)).Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(Ct);
        var codes = answer.GetProperty("records").EnumerateArray()
            .Select(r => r.GetProperty("reasons").EnumerateArray().Select(x => x.GetProperty("code").GetString()).Single()).ToList();
        codes.ShouldBe(["nothing_to_withdraw", "outside_credential"]);
    }

    [Fact]
    public async Task AUnitClerk_CannotManageCredentials()
    {
        var clerk = await PortalClient.SignedInAs(factory, "water", Ct);
        (await clerk.Http.GetAsync("/operator/credentials", Ct)).RequestMessage!.RequestUri!.AbsolutePath.ShouldBe("/account/denied");
    }
}
