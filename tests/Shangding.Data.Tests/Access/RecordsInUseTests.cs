using Microsoft.EntityFrameworkCore;
using Shangding.Core.Access;
using Shangding.Core.Data;
using Shangding.Core.Intake;
using Shangding.Core.Scoring;
using Shangding.Data.Tests.Remedies;
using Shangding.Testing;
using static Shangding.Data.Tests.Remedies.RemediesWorld;

namespace Shangding.Data.Tests.Access;

/// <summary>
/// Who gets which records of a subject whose file holds records in every state: only the subject and
/// the furnishing unit see withdrawn, repaired, expired, out-of-period and retired records; a third party
/// under a grant, a government body under a letter and the credit centre get only the records in use.
/// </summary>
public sealed class RecordsInUseTests
{
    private static readonly ScoreModel Model = ScoreModelLoader.LoadLatest(RepoPaths.Catalog, TestPlatform.Catalog);
    private static readonly BenefitCatalog Benefits = BenefitCatalog.Load(RepoPaths.Catalog);

    private static IntakeRow Volunteer(string key, string id, string ratedOn) => new(1, null, new Dictionary<string, string?>
    {
        ["record_key"] = key, ["name"] = "孙八", ["id_type"] = "居民身份证", ["id_number"] = id,
        ["rated_on"] = ratedOn, ["rating_body"] = "市文明办", ["honour_level"] = "市级",
    }, []);

    private static IntakeRow Withdrawal(string key) => new(1, null, new Dictionary<string, string?>
    {
        [IntakeColumns.RecordKey] = key, [IntakeColumns.Action] = IntakeColumns.WithdrawValue,
    }, []);

    [Theory]
    [AllEngines]
    public async Task OnlyTheSubjectAndTheFurnishingUnit_SeeRecordsNoLongerInUse(DatabaseProvider provider)
    {
        await using var world = await RemediesWorld.CreateAsync(provider, MovableClock.At(2026, 3, 16));
        var water = await world.FurnishAsync("WATER-SUPPLY", "P-ARREARS-WATER",
            WaterArrears("IN", AdultId, "2026-01-10"),      // general, within its 12 months: in use
            WaterArrears("WD", AdultId, "2026-01-11"),      // withdrawn by the unit below
            WaterArrears("REP", AdultId, "2026-01-12"),     // credit repair approved
            WaterArrears("EXP", AdultId, "2026-01-13"),     // publication ended (status Expired)
            WaterArrears("PAST", AdultId, "2025-03-01"),    // still marked in force, but its 12 months ended on 2026-02-28
            WaterArrears("OLD", AdultId, "2021-03-01"));    // 5 years old: retired by the retention run below
        var good = await world.FurnishAsync("CIVILISATION-OFFICE", "P-VOLUNTEER", Volunteer("V-1", AdultId, "2025-10-01"));
        (await world.Intake.RunAsync(new IntakeRequest("WATER-SUPPLY", IntakeChannels.Batch, "test", "P-ARREARS-WATER"), [Withdrawal("WD")], null, Ct)).Withdrawn.ShouldBe(1);
        await using var context = world.NewContext();
        await context.Records.Where(r => r.Id == water["REP"]).ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, RecordStatus.Repaired), Ct);
        await context.Records.Where(r => r.Id == water["EXP"]).ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, RecordStatus.Expired), Ct);
        (await world.Retention.RunAsync(context, dryRun: false, "test", Ct)).RecordsRetired.ShouldBe(1);
        (await context.RetiredRecords.AsNoTracking().Select(r => r.RecordId).SingleAsync(Ct)).ShouldBe(water["OLD"]);

        var subject = await world.SubjectIdAsync(AdultId);
        var citizenAccount = await world.AccountAsync("sun", Roles.Citizen, subjectId: subject);
        var bank = await world.AccountAsync("bank", Roles.ThirdParty);
        var queries = new CreditQueries(new AccessPolicy(Model.PublicationMonths, Model.BadRecordMaxYears), new QueryLog(world.Db.Settings, QueryLogKey.Generate(), world.Clock),
            TestPlatform.Catalog, Benefits, TestPlatform.Protector, world.Clock);
        var grant = await new GrantService(Benefits, world.Clock).CreateAsync(context, subject, bank, GrantScopes.Report, null, "贷款审核", world.Clock.GetUtcNow().UtcDateTime.AddDays(5), Ct);

        async Task<List<long>> Read(AccessActor actor, AccessRequest request)
        {
            var answer = await queries.QueryAsync(context, actor, request, "api", Ct);
            answer.Allowed.ShouldBeTrue($"{actor.Role}: {answer.Reason}");
            return [.. answer.Records!.Select(r => r.Id).Order()];
        }

        var all = water.Values.Append(good["V-1"]).Order().ToList();
        var inUse = new[] { water["IN"], good["V-1"] }.Order().ToList();

        // The subject sees everything held about them; the unit sees all it furnished, in every state.
        (await Read(new AccessActor(Roles.Citizen, citizenAccount, SubjectId: subject), new AccessRequest(subject, AccessWhat.Records, "self-query"))).ShouldBe(all);
        (await Read(new AccessActor(Roles.UnitClerk, 900, "WATER-SUPPLY"), new AccessRequest(subject, AccessWhat.Records, "核对")))
            .ShouldBe([.. water.Values.Order()]);

        // Everyone else: only records in force and still usable.
        (await Read(new AccessActor(Roles.ThirdParty, bank, Name: "bank"), new AccessRequest(subject, AccessWhat.Report, "贷款审核", Grant: GrantService.Facts(grant.Grant))))
            .ShouldBe(inUse);
        var police = new AccessActor(Roles.GovernmentQuerier, 901, "PUBLIC-SECURITY", Name: "police");
        (await Read(police, new AccessRequest(subject, AccessWhat.Report, "案件核查", "郑公函〔2026〕21号"))).ShouldBe(inUse);
        (await Read(police, new AccessRequest(subject, AccessWhat.Records, "案件核查", "郑公函〔2026〕21号"))).ShouldBe(inUse);
        (await Read(new AccessActor(Roles.Operator, 902, Name: "op"), new AccessRequest(subject, AccessWhat.Report, "异议核查"))).ShouldBe(inUse);

        // A subject whose only record is no longer in use: the answer is allowed and empty, not a refusal
        // (nothing is withheld from the querier that the platform still uses).
        var otherId = TestPlatform.ResidentId(new DateOnly(1990, 6, 1), 456);
        await world.FurnishAsync("WATER-SUPPLY", "P-ARREARS-WATER", WaterArrears("WD2", otherId, "2026-01-11"));
        await world.Intake.RunAsync(new IntakeRequest("WATER-SUPPLY", IntakeChannels.Batch, "test", "P-ARREARS-WATER"), [Withdrawal("WD2")], null, Ct);
        (await Read(police, new AccessRequest(await world.SubjectIdAsync(otherId), AccessWhat.Records, "案件核查", "郑公函〔2026〕21号"))).ShouldBeEmpty();

        // Each of these reads is in the query log, allowed.
        (await context.QueryLog.AsNoTracking().CountAsync(q => q.Outcome == QueryOutcome.Allowed, Ct)).ShouldBe(7);
    }
}
