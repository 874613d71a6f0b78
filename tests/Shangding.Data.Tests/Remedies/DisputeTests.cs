using Microsoft.EntityFrameworkCore;
using Shangding.Core.Access;
using Shangding.Core.Data;
using Shangding.Core.Remedies;
using Shangding.Testing;
using static Shangding.Data.Tests.Remedies.RemediesWorld;

namespace Shangding.Data.Tests.Remedies;

/// <summary>
/// Disputes on a moved clock across 2026's National Day: holidays Oct 1–7 (and the Mid-Autumn
/// holidays Sep 25–27 before it), make-up working days Sun Sep 20 and Sat Oct 10 (catalog/calendar/2026.json).
/// </summary>
public sealed class DisputeTests
{
    private sealed record Setup(RemediesWorld World, long RecordId, long SubjectId, long Citizen, long Operator, long Auditor, long Clerk, long Bank, long OldBank,
        long Nosy, long CivilGov);

    /// <summary>
    /// A water-arrears record, its subject's citizen account, staff, and queries of the subject: a bank
    /// (recent, twice), a bank 8 months ago, a refused querier, a government body, the public search, the
    /// credit centre and the subject themself.
    /// </summary>
    private static async Task<Setup> SetUpAsync(DatabaseProvider provider)
    {
        var world = await RemediesWorld.CreateAsync(provider, MovableClock.At(2026, 9, 30));
        var ids = await world.FurnishAsync("WATER-SUPPLY", "P-ARREARS-WATER", WaterArrears("W-1", AdultId, "2026-09-01"));
        var subject = await world.SubjectIdAsync(AdultId);
        var citizen = await world.AccountAsync("sun", Roles.Citizen, subjectId: subject);
        var op = await world.AccountAsync("op", Roles.Operator);
        var auditor = await world.AccountAsync("aud", Roles.Auditor);
        var clerk = await world.AccountAsync("water", Roles.UnitClerk, "WATER-SUPPLY");
        var bank = await world.AccountAsync("bank", Roles.ThirdParty);
        var oldBank = await world.AccountAsync("oldbank", Roles.ThirdParty);
        var refused = await world.AccountAsync("nosy", Roles.ThirdParty);
        var civilGov = await world.AccountAsync("civil-gov", Roles.GovernmentQuerier, "CIVIL-AFFAIRS");
        var now = world.Clock.GetUtcNow();
        await world.QueryLogAsync(subject, now.AddMonths(-2), bank, "郑州某银行");
        await world.QueryLogAsync(subject, now.AddMonths(-1), bank, "郑州某银行");
        await world.QueryLogAsync(subject, now.AddMonths(-8), oldBank, "旧银行");
        await world.QueryLogAsync(subject, now.AddDays(-3), refused, "好奇者", QueryOutcome.Refused);
        await world.QueryLogAsync(subject, now.AddDays(-10), civilGov, "市民政局 查询员", role: Roles.GovernmentQuerier);
        await world.QueryLogAsync(subject, now.AddDays(-4), null, "public", role: "public"); // the public search: no account
        await world.QueryLogAsync(subject, now.AddDays(-2), op, "op", role: Roles.Operator);
        await world.QueryLogAsync(subject, now.AddDays(-1), citizen, "孙八", role: Roles.Citizen);
        await using (var context = world.NewContext())
        {
            await world.Scores.OptInAsync(context, subject, "test", Ct);
        }

        return new Setup(world, ids["W-1"], subject, citizen, op, auditor, clerk, bank, oldBank, refused, civilGov);
    }

    [Theory]
    [AllEngines]
    public async Task Corrected_ForwardDueFallsOnTheMakeUpSaturday_RecordCorrectedThroughIntake_SubjectRescored_RecentRecipientsTold(DatabaseProvider provider)
    {
        var s = await SetUpAsync(provider);
        await using var world = s.World;
        await using var context = world.NewContext();

        var dispute = await world.Disputes.FileAsync(context, s.Citizen, s.RecordId, "欠费已于2025年12月结清，金额有误", [Pdf(), Png()], Ct);

        // Filed Wed Sep 30: Oct 1–7 are holidays, so the 3 working days are Thu Oct 8, Fri Oct 9 and the make-up Sat Oct 10.
        dispute.ForwardDue.ShouldBe(new DateOnly(2026, 10, 10));
        (await DisputeService.IsUnderDisputeAsync(context, s.RecordId, Ct)).ShouldBeTrue();
        (await DisputeService.UnderDisputeAsync(context, s.SubjectId, Ct)).ShouldBe([s.RecordId]);
        var record = await context.Records.AsNoTracking().SingleAsync(r => r.Id == s.RecordId, Ct);
        record.UnderDispute.ShouldBeTrue();
        record.Status.ShouldBe(RecordStatus.InForce); // a dispute does not stop recording or publication (003 §24)
        (await context.RemedyFiles.CountAsync(f => f.OwnerKind == "dispute" && f.OwnerId == dispute.Id, Ct)).ShouldBe(2);
        (await world.InboxAsync(s.Citizen)).ShouldContain(n => n.Kind == "dispute-filed");
        (await world.InboxAsync(s.Operator)).ShouldContain(n => n.Kind == "dispute-to-forward");

        world.SetDay(2026, 10, 10); // the make-up working day: on time
        world.Disputes.OverdueStep(dispute, new DateOnly(2026, 10, 10)).ShouldBeNull();
        dispute = await world.Disputes.ForwardAsync(context, dispute.Id, "account:op", Ct);
        // 15 working days from Sat Oct 10: Oct 12–16, 19–23, 26–30.
        dispute.AnswerDue.ShouldBe(new DateOnly(2026, 10, 30));
        (await world.InboxAsync(s.Clerk)).ShouldContain(n => n.Kind == "dispute-to-verify");

        world.SetDay(2026, 10, 16);
        await context.RescoreQueue.ExecuteDeleteAsync(Ct); // only the correction's mark is looked for below
        var scoreBefore = await context.Scores.AsNoTracking().SingleAsync(x => x.SubjectId == s.SubjectId, Ct);
        dispute = await world.Disputes.AnswerAsync(context, dispute.Id, "WATER-SUPPLY", "account:water", new DisputeAnswer(
            DisputeOutcome.Corrected, "金额按结清凭证更正", new Dictionary<string, string?> { ["arrears_amount"] = "1200" }), Ct);

        dispute.Status.ShouldBe(DisputeStatus.Answered);
        dispute.NotifyDue.ShouldBe(new DateOnly(2026, 10, 20)); // Fri Oct 16 + 2 working days: Mon 19, Tue 20
        dispute.BatchId.ShouldNotBeNull();
        record = await context.Records.AsNoTracking().SingleAsync(r => r.Id == s.RecordId, Ct);
        record.FieldsJson.ShouldContain("1200");
        record.Version.ShouldBe(2);
        record.Status.ShouldBe(RecordStatus.InForce);
        var change = await context.RecordChanges.AsNoTracking().Where(c => c.RecordId == s.RecordId).OrderBy(c => c.Id).LastAsync(Ct);
        change.Channel.ShouldBe("dispute");
        change.Actor.ShouldBe("account:water");
        change.BeforeJson!.ShouldContain("2500");
        (await context.RescoreQueue.AsNoTracking().Select(m => m.SubjectId).ToListAsync(Ct)).ShouldContain(s.SubjectId);

        // The rescoring worker's pass: the stored score follows the corrected amount (2,500 → 1,200 yuan: a lighter arrears band).
        (await world.Scores.ProcessQueueAsync(context, 100, Ct)).ShouldBeGreaterThan(0);
        var scoreAfter = await context.Scores.AsNoTracking().SingleAsync(x => x.SubjectId == s.SubjectId, Ct);
        scoreAfter.Score.ShouldBeGreaterThan(scoreBefore.Score);
        (await context.ScoreHistory.AsNoTracking().Where(h => h.SubjectId == s.SubjectId).OrderBy(h => h.Id).LastAsync(Ct)).Reason.ShouldBe("dispute");

        // 003 §24: the bank that received the information 1–2 months ago and the government body are told,
        // once each; the bank of 8 months ago, the refused querier, the public search (no account, no
        // "org:public" message), the credit centre and the subject's own look are not.
        (await world.InboxAsync(s.Bank)).Count(n => n.Kind == "information-corrected").ShouldBe(1);
        var toBody = (await world.InboxAsync(s.CivilGov)).Single(n => n.Kind == "information-corrected");
        toBody.BodyZh.ShouldContain("4101");
        toBody.BodyZh.ShouldNotContain(AdultId); // masked, never the ID number
        (await world.InboxAsync(s.OldBank)).ShouldBeEmpty();
        (await world.InboxAsync(s.Nosy)).ShouldBeEmpty();
        (await world.InboxAsync(s.Citizen)).ShouldNotContain(n => n.Kind == "information-corrected");
        (await world.InboxAsync(s.Operator)).ShouldNotContain(n => n.Kind == "information-corrected");
        (await context.Notifications.CountAsync(n => n.Kind == "information-corrected", Ct)).ShouldBe(2);
        var corrected = await context.Notifications.AsNoTracking().Where(n => n.Kind == "information-corrected").Select(n => n.Id).ToListAsync(Ct);
        (await context.Outbox.AsNoTracking().Where(m => m.NotificationId != null && corrected.Contains(m.NotificationId.Value)).Select(m => m.Recipient).OrderBy(r => r).ToListAsync(Ct))
            .ShouldBe(new[] { $"account:{s.Bank}", $"account:{s.CivilGov}" }.Order().ToList());
        (await context.Outbox.AsNoTracking().CountAsync(m => m.Recipient.StartsWith("org:"), Ct)).ShouldBe(0);

        world.SetDay(2026, 10, 19);
        dispute = await world.Disputes.NotifyApplicantAsync(context, dispute.Id, "account:op", Ct);
        dispute.Status.ShouldBe(DisputeStatus.Closed);
        (await context.Records.AsNoTracking().SingleAsync(r => r.Id == s.RecordId, Ct)).UnderDispute.ShouldBeFalse();
        (await DisputeService.UnderDisputeAsync(context, s.SubjectId, Ct)).ShouldBeEmpty();
        (await world.InboxAsync(s.Citizen)).ShouldContain(n => n.Kind == "dispute-result" && n.BodyZh.Contains("已予更正"));
        world.Disputes.Steps(dispute, new DateOnly(2026, 10, 19)).ShouldAllBe(step => !step.Overdue && step.WorkingDaysLate == 0);
    }

    [Theory]
    [AllEngines]
    public async Task Withdrawn_GoesThroughIntake_AndTheRecordNoLongerCounts(DatabaseProvider provider)
    {
        var s = await SetUpAsync(provider);
        await using var world = s.World;
        await using var context = world.NewContext();
        var dispute = await world.Disputes.FileAsync(context, s.Citizen, s.RecordId, "不是我的账户", [Pdf()], Ct);
        world.SetDay(2026, 10, 8);
        await world.Disputes.ForwardAsync(context, dispute.Id, "account:op", Ct);
        await context.RescoreQueue.ExecuteDeleteAsync(Ct);
        world.SetDay(2026, 10, 9);

        dispute = await world.Disputes.AnswerAsync(context, dispute.Id, "WATER-SUPPLY", "account:water", new DisputeAnswer(DisputeOutcome.Withdrawn, "户号登记错误"), Ct);

        dispute.Outcome.ShouldBe(DisputeOutcome.Withdrawn);
        dispute.NotifyDue.ShouldBe(new DateOnly(2026, 10, 12)); // Fri Oct 9 + 2 working days: the make-up Sat Oct 10, Mon Oct 12
        (await context.Records.AsNoTracking().SingleAsync(r => r.Id == s.RecordId, Ct)).Status.ShouldBe(RecordStatus.Withdrawn);
        (await context.RecordChanges.AsNoTracking().Where(c => c.RecordId == s.RecordId).OrderBy(c => c.Id).LastAsync(Ct)).Action.ShouldBe(RecordAction.Withdrawn);
        (await context.RescoreQueue.AsNoTracking().Select(m => m.SubjectId).ToListAsync(Ct)).ShouldContain(s.SubjectId);
        (await world.InboxAsync(s.Bank)).ShouldContain(n => n.Kind == "information-corrected" && n.BodyZh.Contains("撤销"));
        dispute = await world.Disputes.NotifyApplicantAsync(context, dispute.Id, "account:op", Ct);
        (await world.InboxAsync(s.Citizen)).ShouldContain(n => n.Kind == "dispute-result" && n.BodyEn.Contains("withdrawn"));
    }

    /// <summary>
    /// The answer's correction is made from the record as read; a change another writer commits before the answer's batch
    /// writes (a trigger on the batch row stands in for it: it comes after the read and before the writer's look-up) is not
    /// overwritten: the answer is refused with the version now, and the dispute stays to be answered.
    /// </summary>
    [Theory]
    [AllEngines]
    public async Task ACorrection_OfARecordChangedMeanwhile_IsRefused_AndOverwritesNothing(DatabaseProvider provider)
    {
        var s = await SetUpAsync(provider);
        await using var world = s.World;
        await using var context = world.NewContext();
        var dispute = await world.Disputes.FileAsync(context, s.Citizen, s.RecordId, "金额有误", [Pdf()], Ct);
        await world.Disputes.ForwardAsync(context, dispute.Id, "account:op", Ct);
        var change = $"UPDATE credit_records SET version = version + 1, content_hash = 'someone-else' WHERE id = {s.RecordId}";
        await context.Database.ExecuteSqlRawAsync(provider == DatabaseProvider.Sqlite
            ? $"CREATE TRIGGER crossing_edit AFTER INSERT ON intake_batches WHEN NEW.channel = 'dispute' BEGIN {change}; END"
            : $"""
               CREATE FUNCTION crossing_edit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {change}; RETURN NULL; END $$;
               CREATE TRIGGER crossing_edit AFTER INSERT ON intake_batches FOR EACH ROW WHEN (NEW.channel = 'dispute') EXECUTE FUNCTION crossing_edit();
               """, Ct);

        var refused = await Should.ThrowAsync<RemedyException>(() => world.Disputes.AnswerAsync(context, dispute.Id, "WATER-SUPPLY", "account:water",
            new DisputeAnswer(DisputeOutcome.Corrected, null, new Dictionary<string, string?> { ["arrears_amount"] = "2000" }), Ct));

        refused.MessageZh.ShouldContain("编号为“W-1”的记录已被修改（现为第 2 版，您依据的是第 1 版）");
        refused.MessageEn.ShouldContain("it is now version 2");
        (await context.Disputes.AsNoTracking().SingleAsync(Ct)).Status.ShouldBe(DisputeStatus.Forwarded);
        var record = await context.Records.AsNoTracking().SingleAsync(r => r.Id == s.RecordId, Ct);
        (record.Version, record.ContentHash).ShouldBe((2, "someone-else"));
        record.FieldsJson.ShouldNotContain("2000");
        (await context.RecordChanges.AsNoTracking().Where(c => c.RecordId == s.RecordId).Select(c => c.Action).ToListAsync(Ct)).ShouldBe([RecordAction.Created]);
    }

    [Theory]
    [AllEngines]
    public async Task Upheld_NeedsReasons_LeavesTheRecord_AndTellsNoRecipients(DatabaseProvider provider)
    {
        var s = await SetUpAsync(provider);
        await using var world = s.World;
        await using var context = world.NewContext();
        var dispute = await world.Disputes.FileAsync(context, s.Citizen, s.RecordId, "我不认可", [], Ct);
        await world.Disputes.ForwardAsync(context, dispute.Id, "account:op", Ct);

        var noReason = await Should.ThrowAsync<RemedyException>(() => world.Disputes.AnswerAsync(context, dispute.Id, "WATER-SUPPLY", "account:water",
            new DisputeAnswer(DisputeOutcome.Upheld, "  "), Ct));
        noReason.Field.ShouldBe("text");
        var otherUnit = await Should.ThrowAsync<RemedyException>(() => world.Disputes.AnswerAsync(context, dispute.Id, "POWER-SUPPLY", "account:x",
            new DisputeAnswer(DisputeOutcome.Upheld, "理由"), Ct));
        otherUnit.MessageEn.ShouldContain("not about a record of your unit");

        dispute = await world.Disputes.AnswerAsync(context, dispute.Id, "WATER-SUPPLY", "account:water", new DisputeAnswer(DisputeOutcome.Upheld, "经核对缴费系统，欠费属实"), Ct);

        dispute.Outcome.ShouldBe(DisputeOutcome.Upheld);
        dispute.BatchId.ShouldBeNull();
        var record = await context.Records.AsNoTracking().SingleAsync(r => r.Id == s.RecordId, Ct);
        (record.Status, record.Version, record.UnderDispute).ShouldBe((RecordStatus.InForce, 1, true));
        (await context.Notifications.CountAsync(n => n.Kind == "information-corrected", Ct)).ShouldBe(0);
        await world.Disputes.NotifyApplicantAsync(context, dispute.Id, "account:op", Ct);
        (await world.InboxAsync(s.Citizen)).ShouldContain(n => n.Kind == "dispute-result" && n.BodyZh.Contains("欠费属实"));
        (await context.Records.AsNoTracking().SingleAsync(r => r.Id == s.RecordId, Ct)).UnderDispute.ShouldBeFalse();
    }

    [Theory]
    [AllEngines]
    public async Task Overdue_StepsAreLateOnlyAfterTheWorkingDayDeadline_AndFlaggedToOperatorsAndSupervisorsOnce(DatabaseProvider provider)
    {
        var s = await SetUpAsync(provider);
        await using var world = s.World;
        await using var context = world.NewContext();
        var dispute = await world.Disputes.FileAsync(context, s.Citizen, s.RecordId, "金额有误", [], Ct);

        // Counting calendar days, Oct 3 would be the deadline; in working days it is the make-up Sat Oct 10.
        world.SetDay(2026, 10, 9);
        (await world.Disputes.ListOpenAsync(context, overdueOnly: true, Ct)).ShouldBeEmpty();
        (await world.Disputes.FlagOverdueAsync(context, Ct)).ShouldBe(0);
        world.SetDay(2026, 10, 12);
        var late = world.Disputes.OverdueStep(dispute, new DateOnly(2026, 10, 12))!;
        late.Step.ShouldBe(DisputeStep.Forward);
        late.WorkingDaysLate.ShouldBe(1); // Sun Oct 11 is a rest day again
        (await world.Disputes.ListOpenAsync(context, overdueOnly: true, Ct)).Select(d => d.Id).ShouldBe([dispute.Id]);
        (await world.Disputes.FlagOverdueAsync(context, Ct)).ShouldBe(1);
        (await world.Disputes.FlagOverdueAsync(context, Ct)).ShouldBe(0); // once per step
        (await world.InboxAsync(s.Operator)).Count(n => n.Kind == "dispute-overdue").ShouldBe(1);
        (await world.InboxAsync(s.Auditor)).Count(n => n.Kind == "dispute-overdue").ShouldBe(1);
        (await world.InboxAsync(s.Citizen)).ShouldNotContain(n => n.Kind == "dispute-overdue");

        // Forwarded late on Mon Oct 12; the unit then misses its 15 working days (due Mon Nov 2).
        dispute = await world.Disputes.ForwardAsync(context, dispute.Id, "account:op", Ct);
        dispute.AnswerDue.ShouldBe(new DateOnly(2026, 11, 2));
        world.Disputes.Steps(dispute, new DateOnly(2026, 10, 12))[0].WorkingDaysLate.ShouldBe(1); // history keeps the late forward
        world.SetDay(2026, 11, 2, 17);
        (await world.Disputes.FlagOverdueAsync(context, Ct)).ShouldBe(0);
        world.SetDay(2026, 11, 4);
        world.Disputes.OverdueStep(dispute, new DateOnly(2026, 11, 4))!.Step.ShouldBe(DisputeStep.Answer);
        (await world.Disputes.FlagOverdueAsync(context, Ct)).ShouldBe(1);
        (await context.Disputes.AsNoTracking().SingleAsync(d => d.Id == dispute.Id, Ct)).OverdueFlagged.ShouldBe("forward,answer");
        (await world.InboxAsync(s.Operator)).Count(n => n.Kind == "dispute-overdue").ShouldBe(2);
    }

    [Theory]
    [AllEngines]
    public async Task BadEvidenceOrInput_IsRefusedWithAReason_AndLeavesNothing(DatabaseProvider provider)
    {
        var s = await SetUpAsync(provider);
        await using var world = s.World;
        await using var context = world.NewContext();

        var exe = await Should.ThrowAsync<RemedyException>(() => world.Disputes.FileAsync(context, s.Citizen, s.RecordId, "金额有误",
            [Pdf(), new EvidenceUpload("scan.pdf", [0x4D, 0x5A, 0x90, 0x00, 1, 2, 3])], Ct));
        exe.Field.ShouldBe("files");
        exe.MessageZh.ShouldContain("scan.pdf");
        var big = await Should.ThrowAsync<RemedyException>(() => world.Disputes.FileAsync(context, s.Citizen, s.RecordId, "金额有误",
            [new EvidenceUpload("big.pdf", [.. "%PDF-"u8.ToArray(), .. new byte[world.Options.MaxFileBytes]])], Ct));
        big.MessageEn.ShouldContain("larger than");
        (await Should.ThrowAsync<RemedyException>(() => world.Disputes.FileAsync(context, s.Citizen, s.RecordId, " ", [], Ct))).Field.ShouldBe("reason");
        var stranger = await world.AccountAsync("stranger", Roles.Citizen, subjectId: s.SubjectId + 1000);
        (await Should.ThrowAsync<RemedyException>(() => world.Disputes.FileAsync(context, stranger, s.RecordId, "x", [], Ct))).Field.ShouldBe("recordId");

        (await context.Disputes.CountAsync(Ct)).ShouldBe(0);
        (await context.RemedyFiles.CountAsync(Ct)).ShouldBe(0);
        (await context.Records.AsNoTracking().SingleAsync(r => r.Id == s.RecordId, Ct)).UnderDispute.ShouldBeFalse();

        var dispute = await world.Disputes.FileAsync(context, s.Citizen, s.RecordId, "金额有误", [Pdf()], Ct);
        (await Should.ThrowAsync<RemedyException>(() => world.Disputes.FileAsync(context, s.Citizen, s.RecordId, "再提一次", [], Ct))).MessageEn.ShouldContain("already");
        await world.Disputes.ForwardAsync(context, dispute.Id, "account:op", Ct);

        // A correction the pipeline refuses changes nothing and says why, beside the field.
        var refused = await Should.ThrowAsync<RemedyException>(() => world.Disputes.AnswerAsync(context, dispute.Id, "WATER-SUPPLY", "account:water",
            new DisputeAnswer(DisputeOutcome.Corrected, null, new Dictionary<string, string?> { ["arrears_amount"] = "-5" }), Ct));
        refused.Field.ShouldBe("arrears_amount");
        var unchanged = await Should.ThrowAsync<RemedyException>(() => world.Disputes.AnswerAsync(context, dispute.Id, "WATER-SUPPLY", "account:water",
            new DisputeAnswer(DisputeOutcome.Corrected, null, new Dictionary<string, string?> { ["arrears_amount"] = "2500" }), Ct));
        unchanged.MessageEn.ShouldContain("same as the record");
        (await context.Disputes.AsNoTracking().SingleAsync(Ct)).Status.ShouldBe(DisputeStatus.Forwarded);
        (await context.Records.AsNoTracking().SingleAsync(r => r.Id == s.RecordId, Ct)).Version.ShouldBe(1);

        // An answer interrupted after its intake batch committed: answering again with the same values is accepted.
        var batch = await world.Intake.RunAsync(new Shangding.Core.Intake.IntakeRequest("WATER-SUPPLY", "dispute", "account:water", "P-ARREARS-WATER"),
            [WaterArrears("W-1", AdultId, "2026-09-01", amount: "1500")], null, Ct);
        batch.Updated.ShouldBe(1);
        dispute = await world.Disputes.AnswerAsync(context, dispute.Id, "WATER-SUPPLY", "account:water",
            new DisputeAnswer(DisputeOutcome.Corrected, null, new Dictionary<string, string?> { ["arrears_amount"] = "1500" }), Ct);
        (dispute.Status, dispute.BatchId).ShouldBe((DisputeStatus.Answered, batch.BatchId));
    }

    [Theory]
    [AllEngines]
    public async Task TheDatabaseKeepsOneOpenDisputePerRecord_EvenIfTwoRequestsRace(DatabaseProvider provider)
    {
        await using var world = await RemediesWorld.CreateAsync(provider, MovableClock.At(2026, 9, 30));
        await using var context = world.NewContext();
        Dispute Make(DisputeStatus status) => new()
        {
            RecordId = 7, SubjectId = 1, UnitCode = "WATER-SUPPLY", CategoryCode = "P-ARREARS-WATER", Reason = "x", Status = status,
            FiledAt = DateTime.UtcNow, ForwardDue = new DateOnly(2026, 10, 10),
        };
        context.Disputes.AddRange(Make(DisputeStatus.Closed), Make(DisputeStatus.Closed), Make(DisputeStatus.Forwarded));
        await context.SaveChangesAsync(Ct);
        await using var other = world.NewContext();
        other.Disputes.Add(Make(DisputeStatus.Filed));
        await Should.ThrowAsync<DbUpdateException>(() => other.SaveChangesAsync(Ct));
    }
}
