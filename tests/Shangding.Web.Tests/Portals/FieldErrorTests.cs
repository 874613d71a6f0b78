using System.Globalization;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Shangding.Core.Data;
using Shangding.Testing;
using Shangding.Web.Tests.Infrastructure;
using static Shangding.Web.Tests.Access.AccessTestSupport;
using static Shangding.Web.Tests.Portals.PublicListsTests;

namespace Shangding.Web.Tests.Portals;

/// <summary>
/// Forms that used to show their errors in a banner: my grants, the citizen's real-name sign-in and the
/// operator's unit credentials. Each error now sits beside its field (the input points to it with
/// aria-describedby), in the page's language.
/// </summary>
public sealed class FieldErrorTests(ShangdingWebFactory factory) : IClassFixture<ShangdingWebFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<IDocument> ParseAsync(HttpResponseMessage response) =>
        new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync(Ct));

    private static string Day(int daysFromToday) =>
        Shangding.Core.Reporting.ReportingTime.ChinaDate(DateTime.UtcNow).AddDays(daysFromToday).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    [Fact]
    public async Task MyGrants_PurposeExpiryAndBenefit_EachErrorBesideItsField()
    {
        var citizen = await Citizen(factory, Ct);
        string bank;
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            bank = (await scope.ServiceProvider.GetRequiredService<ShangdingDbContext>().Accounts.SingleAsync(a => a.UserName == "bank", Ct)).Id.ToString(CultureInfo.InvariantCulture);
        }

        foreach (var (query, purpose, expires, benefit) in new[]
                 {
                     ("", "请填写查询用途（不超过 200 字）。", "有效期须在今天之后、一年之内。", "请选择要核验的权益。"),
                     ("&culture=en", "State the purpose (at most 200 characters).", "The expiry must be after today and within one year.", "Choose the benefit to be checked."),
                 })
        {
            Task<HttpResponseMessage> Post(string scope, string purposeText, string expiry) => citizen.PostFormAsync("/me/grants?handler=Create" + query,
                new() { ["Recipient"] = bank, ["Scope"] = scope, ["Benefit"] = "", ["Purpose"] = purposeText, ["Expires"] = expiry }, Ct, "/me/grants");

            var page = await ParseAsync(await Post("level", "", Day(10)));
            AssertBeside(page, "Purpose", purpose);
            page.QuerySelector("main .error").ShouldBeNull();
            page.QuerySelector(".qr").ShouldBeNull(); // nothing issued

            page = await ParseAsync(await Post("level", "租房", Day(-1)));
            AssertBeside(page, "Expires", expires);
            page.QuerySelector("#Purpose-error").ShouldBeNull();
            page.QuerySelector("#Purpose")!.GetAttribute("value").ShouldBe("租房"); // what was typed is kept

            // An empty date is the same error, in the page's language (not the model binder's English).
            AssertBeside(await ParseAsync(await Post("level", "租房", "")), "Expires", expires);
            AssertBeside(await ParseAsync(await Post("benefit", "租房", Day(10))), "Benefit", benefit);
        }
    }

    [Fact]
    public async Task CitizenSignIn_NameIdAndCode_EachErrorBesideItsField_AndTheIdIsNeverEchoed()
    {
        var visitor = new PortalClient(factory);
        var valid = TestPlatform.ResidentId(new DateOnly(1988, 8, 8), 818);
        var wrongCheck = valid[..17] + (valid[17] == '1' ? "2" : "1");
        foreach (var (query, name, check, code, wrongCode) in new[]
                 {
                     ("", "请填写身份证上的姓名（不超过 50 个字）。", "校验位", "请填写验证码。", "验证码不正确。"),
                     ("?culture=en", "Enter your name as on your ID card (at most 50 characters).", "check digit", "Enter the verification code.", "The verification code is not correct."),
                 })
        {
            var page = await ParseAsync(await visitor.PostFormAsync("/account/citizen" + query, new() { ["Name"] = "", ["IdNumber"] = wrongCheck, ["Code"] = "" }, Ct));
            AssertBeside(page, "Name", name);
            page.QuerySelector("#IdNumber-error")!.TextContent.ShouldContain(check);
            AssertBeside(page, "IdNumber", page.QuerySelector("#IdNumber-error")!.TextContent.Trim());
            AssertBeside(page, "Code", code);
            page.QuerySelector("main .card .error").ShouldBeNull();
            page.Body!.InnerHtml.ShouldNotContain(wrongCheck);

            // A well-formed form that the verifier refuses: its answer is beside the code.
            var refused = await visitor.PostFormAsync("/account/citizen" + query, new() { ["Name"] = "张三", ["IdNumber"] = valid, ["Code"] = "000000" }, Ct);
            refused.RequestMessage!.RequestUri!.AbsolutePath.ShouldBe("/account/citizen");
            page = await ParseAsync(refused);
            AssertBeside(page, "Code", wrongCode);
            page.QuerySelector("#Name-error").ShouldBeNull();
            page.QuerySelector("#IdNumber-error").ShouldBeNull();
            page.Body!.InnerHtml.ShouldNotContain(valid);
        }
    }

    [Fact]
    public async Task OperatorCredentials_UnitAndLabel_EachErrorBesideItsField()
    {
        var op = await PortalClient.SignedInAs(factory, "operator", Ct);
        foreach (var (query, unit, label) in new[]
                 {
                     ("", "请选择一个报送信用信息的单位。", "标签最多 100 个字。"),
                     ("&culture=en", "Choose a reporting unit that furnishes credit information.", "The label has at most 100 characters."),
                 })
        {
            var page = await ParseAsync(await op.PostFormAsync("/operator/credentials?handler=Create" + query,
                new() { ["UnitCode"] = "NO-SUCH-UNIT", ["Label"] = new string('标', 101) }, Ct, "/operator/credentials"));
            AssertBeside(page, "UnitCode", unit);
            AssertBeside(page, "Label", label);
            page.QuerySelector("code.token").ShouldBeNull(); // nothing issued
            page.QuerySelector("main .error").ShouldBeNull();
        }

        // A good form still issues a token, with no error shown.
        var issued = await ParseAsync(await op.PostFormAsync("/operator/credentials?handler=Create", new() { ["UnitCode"] = "HEATING", ["Label"] = "收费系统" }, Ct, "/operator/credentials"));
        issued.QuerySelector("code.token")!.TextContent.ShouldStartWith("sd_");
        issued.QuerySelectorAll(".field-error").ShouldBeEmpty();
    }

    [Fact]
    public async Task ALanguageChosenInTheAddress_StaysWithTheForm_SoTheErrorsComeBackInIt()
    {
        var citizen = await Citizen(factory, Ct);
        var english = new HtmlParser().ParseDocument(await citizen.Http.GetStringAsync("/me/grants?culture=en", Ct));
        english.QuerySelector("form.entry-form")!.GetAttribute("action").ShouldBe("/me/grants?handler=Create&culture=en");
        english.QuerySelector("form.lang[action='/language']").ShouldNotBeNull(); // the language switch is left alone
        var chinese = new HtmlParser().ParseDocument(await citizen.Http.GetStringAsync("/me/grants", Ct));
        chinese.QuerySelector("form.entry-form")!.GetAttribute("action").ShouldBe("/me/grants?handler=Create");

        // The form as shown in English answers in English.
        var action = english.QuerySelector("form.entry-form")!.GetAttribute("action")!;
        var page = await ParseAsync(await citizen.PostFormAsync(action, new() { ["Scope"] = "level", ["Purpose"] = "", ["Expires"] = Day(10) }, Ct, "/me/grants"));
        page.DocumentElement.GetAttribute("lang").ShouldBe("en");
        page.QuerySelector("#Recipient-error, #Purpose-error")!.TextContent.ShouldNotContain("请");

        // A GET form (the catalogue filter) carries the language as a field.
        var catalogue = new HtmlParser().ParseDocument(await citizen.Http.GetStringAsync("/catalog?culture=en", Ct));
        catalogue.QuerySelector("form.filters input[type=hidden][name=culture]")!.GetAttribute("value").ShouldBe("en");
        new HtmlParser().ParseDocument(await citizen.Http.GetStringAsync("/catalog", Ct)).QuerySelector("form.filters input[name=culture]").ShouldBeNull();
    }
}
