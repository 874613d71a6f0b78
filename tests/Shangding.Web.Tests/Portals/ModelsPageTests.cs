using AngleSharp.Html.Parser;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Shangding.Web.Tests.Infrastructure;

namespace Shangding.Web.Tests.Portals;

public sealed class ModelsPageTests(ShangdingWebFactory factory) : IClassFixture<ShangdingWebFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnOperatorSimulatesAModel_OverEveryoneWhoOptedIn()
    {
        var op = await PortalClient.SignedInAs(factory, "operator", Ct);
        var list = new HtmlParser().ParseDocument(await op.Http.GetStringAsync("/operator/models", Ct));
        var version = list.QuerySelector("tbody code")!.TextContent;
        var response = await op.PostFormAsync("/operator/models?handler=Simulate", new() { ["Version"] = version }, Ct, "/operator/models");
        var page = new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync(Ct));
        page.QuerySelector("h2")!.TextContent.ShouldContain(version);
        // The same model against itself: 26 demo residents opted in, nobody moves.
        page.QuerySelector("h2 + p")!.TextContent.ShouldContain("共 26 人：上升 0，下降 0，不变 26");
    }

    [Fact]
    public async Task AnOperatorActivatesAModel_TheActIsAudited_AndEveryoneWhoOptedInIsQueued()
    {
        var op = await PortalClient.SignedInAs(factory, "operator", Ct);
        var list = new HtmlParser().ParseDocument(await op.Http.GetStringAsync("/operator/models", Ct));
        var version = list.QuerySelector("tbody code")!.TextContent;
        var response = await op.PostFormAsync("/operator/models?handler=Activate", new() { ["Version"] = version, ["Note"] = "年度复核" }, Ct, "/operator/models");
        var page = new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync(Ct));
        page.Body!.TextContent.ShouldContain($"模型 {version} 已激活");

        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<Shangding.Core.Data.ShangdingDbContext>();
        var activation = await db.ModelActivations.AsNoTracking().OrderBy(a => a.Id).LastAsync(Ct);
        (activation.Version, activation.Note).ShouldBe((version, "年度复核"));
        activation.ActivatedBy.ShouldStartWith("account:");
        var audit = await db.AuditEntries.AsNoTracking().OrderBy(a => a.Id).ToListAsync(Ct);
        audit[^1].Kind.ShouldBe("model-activation");
        Shangding.Core.Audit.AuditChain.Verify(audit).ShouldBeNull();
        (await db.RescoreQueue.CountAsync(q => q.Reason == "model-activated", Ct)).ShouldBe(await db.ScoreOptIns.CountAsync(o => o.OptedOutAt == null, Ct));
    }
}
