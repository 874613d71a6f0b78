using Microsoft.EntityFrameworkCore;
using Shangding.Core.Access;
using Shangding.Core.Data;
using Shangding.Core.Intake;
using Shangding.Core.Scoring;
using Shangding.Testing;

namespace Shangding.Data.Tests.Access;

/// <summary>The read service over real storage: grants, benefit checks at each level boundary, logging of every outcome.</summary>
public sealed class CreditQueriesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly ScoreModel Model = ScoreModelLoader.LoadLatest(RepoPaths.Catalog, TestPlatform.Catalog);
    private static readonly BenefitCatalog Benefits = BenefitCatalog.Load(RepoPaths.Catalog);
    private static readonly string Person = TestPlatform.ResidentId(new DateOnly(1985, 4, 12), 321);

    private sealed record Setup(TestDatabase Db, MovableClock Clock, CreditQueries Queries, GrantService Grants, long Subject, Account Library) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Db.DisposeAsync();
    }

    private static async Task<Setup> Prepare(DatabaseProvider provider)
    {
        var db = await TestDatabase.CreateAsync(provider);
        var clock = MovableClock.At(2026, 3, 16);
        var intake = new IntakeService(TestPlatform.Catalog, TestPlatform.Protector, db.Settings, clock);
        await intake.RunAsync(new IntakeRequest("CIVILISATION-OFFICE", IntakeChannels.Batch, "t", "P-VOLUNTEER"), [new IntakeRow(1, null, new Dictionary<string, string?>
        {
            ["record_key"] = "V-1", ["name"] = "孙八", ["id_type"] = "居民身份证", ["id_number"] = Person,
            ["rated_on"] = "2025-10-01", ["rating_body"] = "市文明办", ["honour_level"] = "市级",
        }, [])], null, Ct);
        await using var context = db.NewContext();
        var library = new Account { UserName = "library", DisplayName = "郑州图书馆", Role = Roles.ThirdParty, PasswordHash = "x", CreatedAt = DateTime.UtcNow };
        context.Accounts.Add(library);
        await context.SaveChangesAsync(Ct);
        var policy = new AccessPolicy(Model.PublicationMonths);
        var queries = new CreditQueries(policy, new QueryLog(db.Settings, QueryLogKey.Generate(), clock), TestPlatform.Catalog, Benefits, TestPlatform.Protector, clock);
        var subject = (await queries.FindSubjectAsync(context, Person, "孙八", Ct))!.Value;
        return new Setup(db, clock, queries, new GrantService(Benefits, clock), subject, library);
    }

    [Theory]
    [AllEngines]
    public async Task BenefitCheck_AnswersYesOrNo_AtEachLevelBoundary_AndNothingElse(DatabaseProvider provider)
    {
        await using var s = await Prepare(provider);
        await using var context = s.Db.NewContext();
        var issued = await s.Grants.CreateAsync(context, s.Subject, s.Library.Id, GrantScopes.Benefit, "library-card-no-deposit", "读书证", s.Clock.GetUtcNow().UtcDateTime.AddDays(5), Ct);
        var actor = new AccessActor(Roles.ThirdParty, s.Library.Id, Name: s.Library.DisplayName);
        var benefit = Benefits.Find("library-card-no-deposit")!;
        benefit.MinLevel.ShouldBe(ScoreLevel.Excellent); // 004 §四.1: 信用优秀及以上

        // Not opted in: no score, so not eligible — and nothing says why.
        var none = await s.Queries.QueryAsync(context, actor, Request(s, issued), "api", Ct);
        (none.Allowed, none.Eligible).ShouldBe((true, false));

        foreach (var (score, eligible) in new[] { (79, false), (80, false), (99, false), (100, false), (119, false), (120, true), (149, true), (150, true), (200, true) })
        {
            await SetScore(context, s.Subject, score);
            var answer = await s.Queries.QueryAsync(context, actor, Request(s, issued), "api", Ct);
            answer.Allowed.ShouldBeTrue();
            answer.Eligible.ShouldBe(eligible, $"score {score} ({Model.LevelOf(score).Level})");
            (answer.Score, answer.Level, answer.LevelZh, answer.Records, answer.OptedIn).ShouldBe((null, null, null, null, null));
        }

        // Another benefit under this grant is beyond its scope, and logged as refused.
        var other = await s.Queries.QueryAsync(context, actor, Request(s, issued) with { Benefit = "rental-deposit-waiver" }, "api", Ct);
        (other.Allowed, other.Reason, other.Eligible).ShouldBe((false, RefusalReasons.BeyondScope, null));
        var log = await context.QueryLog.AsNoTracking().OrderBy(q => q.Id).ToListAsync(Ct);
        log.Count.ShouldBe(11);
        log[^1].Scope.ShouldBe("benefit:rental-deposit-waiver");
        log[^1].Outcome.ShouldBe(QueryOutcome.Refused);
        (await context.AccessGrants.SingleAsync(Ct)).UseCount.ShouldBe(10);
    }

    [Theory]
    [AllEngines]
    public async Task Grant_ExpiresAtItsTime_AndRevocationIsImmediate(DatabaseProvider provider)
    {
        await using var s = await Prepare(provider);
        await using var context = s.Db.NewContext();
        var issued = await s.Grants.CreateAsync(context, s.Subject, s.Library.Id, GrantScopes.Level, null, "押金", s.Clock.GetUtcNow().UtcDateTime.AddHours(1), Ct);
        issued.Code.ShouldStartWith("SDG-");
        (await context.AccessGrants.SingleAsync(Ct)).CodeHash.ShouldNotContain(issued.Code[4..8]);
        var found = await s.Grants.FindAsync(context, issued.Code.ToLowerInvariant().Replace("-", " ", StringComparison.Ordinal), Ct);
        found!.Id.ShouldBe(issued.Grant.Id);

        var actor = new AccessActor(Roles.ThirdParty, s.Library.Id, Name: "郑州图书馆");
        var request = new AccessRequest(s.Subject, AccessWhat.Level, "押金", Grant: GrantService.Facts(found));
        (await s.Queries.QueryAsync(context, actor, request, "api", Ct)).Allowed.ShouldBeTrue();
        s.Clock.Advance(TimeSpan.FromHours(1));
        (await s.Queries.QueryAsync(context, actor, request, "api", Ct)).Reason.ShouldBe(RefusalReasons.GrantExpired);

        s.Clock.Advance(TimeSpan.FromHours(-1));
        (await s.Grants.RevokeAsync(context, s.Subject + 1, issued.Grant.Id, Ct)).ShouldBeFalse(); // not theirs
        (await s.Grants.RevokeAsync(context, s.Subject, issued.Grant.Id, Ct)).ShouldBeTrue();
        var revoked = await s.Grants.FindAsync(context, issued.Code, Ct);
        await context.Entry(revoked!).ReloadAsync(Ct);
        (await s.Queries.QueryAsync(context, actor, request with { Grant = GrantService.Facts(revoked!) }, "api", Ct)).Reason.ShouldBe(RefusalReasons.GrantRevoked);

        await Should.ThrowAsync<AccessException>(() => s.Grants.CreateAsync(context, s.Subject, s.Library.Id, GrantScopes.Benefit, null, "x", s.Clock.GetUtcNow().UtcDateTime.AddDays(1), Ct));
        await Should.ThrowAsync<AccessException>(() => s.Grants.CreateAsync(context, s.Subject, s.Library.Id, GrantScopes.Level, null, "x", s.Clock.GetUtcNow().UtcDateTime.AddDays(400), Ct));
        await Should.ThrowAsync<AccessException>(() => s.Grants.CreateAsync(context, s.Subject, s.Library.Id, GrantScopes.Level, null, " ", s.Clock.GetUtcNow().UtcDateTime.AddDays(1), Ct));
    }

    private static AccessRequest Request(Setup s, IssuedGrant issued) =>
        new(s.Subject, AccessWhat.BenefitCheck, "读书证", Grant: GrantService.Facts(issued.Grant), Benefit: "library-card-no-deposit");

    private static async Task SetScore(ShangdingDbContext context, long subject, int score)
    {
        await context.Scores.Where(x => x.SubjectId == subject).ExecuteDeleteAsync(Ct);
        context.Scores.Add(new StoredScore
        {
            SubjectId = subject, Score = score, Level = Model.LevelOf(score).Level.ToString(), ModelVersion = Model.Version, AsOf = new DateOnly(2026, 3, 16),
            ComputedAt = DateTime.UtcNow, Reason = "test", ExplanationJson = "{}",
        });
        await context.SaveChangesAsync(Ct);
        context.ChangeTracker.Clear();
    }
}
