using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Access;
using Shangding.Core.Calendar;
using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Core.Intake;
using Shangding.Core.Notifications;
using Shangding.Core.Subjects;

namespace Shangding.Core.Remedies;

/// <summary>The unit's answer to a forwarded dispute.</summary>
/// <param name="Corrections">For <see cref="DisputeOutcome.Corrected"/>: the corrected values by column code.</param>
public sealed record DisputeAnswer(DisputeOutcome Outcome, string? Text, IReadOnlyDictionary<string, string?>? Corrections = null);

public enum DisputeStep
{
    Forward,
    Answer,
    Notify,
}

/// <summary>One step of a dispute: who acts, by when, when it was done, whether it is late.</summary>
public sealed record DisputeStepState(DisputeStep Step, DateOnly? Due, DateTime? DoneAt, bool Overdue, int WorkingDaysLate);

/// <summary>
/// Disputes (异议, seed 003 §22–24, 002 §6): a subject disputes one of their records online with
/// evidence; the credit centre forwards it to the furnishing unit within 3 working days; the unit
/// verifies within 15 working days of receiving it and corrects or withdraws the record through the
/// intake pipeline, or upholds it with reasons; the centre tells the applicant within 2 working days.
/// The record stays in force and published meanwhile, marked as under dispute. After a correction or
/// withdrawal the subject is rescored and whoever received the subject's information in the last
/// months (the query log) is told (003 §24).
/// </summary>
public sealed class DisputeService(
    CatalogDefinition catalog,
    WorkingDayCalendar calendar,
    IntakeService intake,
    IdentityProtector protector,
    NotificationService notifications,
    RemediesOptions options,
    TimeProvider clock)
{
    public const int ForwardDays = 3;
    public const int AnswerDays = 15;
    public const int NotifyDays = 2;
    public const string FileOwner = "dispute";

    public async Task<Dispute> FileAsync(ShangdingDbContext context, long accountId, long recordId, string? reason,
        IReadOnlyList<EvidenceUpload> files, CancellationToken cancellationToken)
    {
        var account = await context.Accounts.AsNoTracking().FirstOrDefaultAsync(a => a.Id == accountId, cancellationToken);
        if (account?.SubjectId is not { } subjectId)
        {
            throw new RemedyException(null, "只有信息主体本人可以提出异议。", "Only the subject of the record can dispute it.");
        }

        var record = await context.Records.AsNoTracking().FirstOrDefaultAsync(r => r.Id == recordId && r.SubjectId == subjectId, cancellationToken)
            ?? throw new RemedyException("recordId", "请选择您本人的一条信用记录。", "Choose one of your own credit records.");
        if (record.Status != RecordStatus.InForce)
        {
            throw new RemedyException("recordId", "这条记录已不在效，无需提出异议。", "This record is no longer in force; there is nothing to dispute.");
        }

        if (await context.Disputes.AnyAsync(d => d.RecordId == recordId && d.Status != DisputeStatus.Closed, cancellationToken))
        {
            throw new RemedyException("recordId", "这条记录已有正在处理的异议。", "A dispute of this record is already being handled.");
        }

        var text = CheckText(reason, "reason", "请说明记录哪里与事实不符。", "Say what in the record does not match the facts.");
        var now = RemedyTime.Now(clock);
        var stored = EvidenceFiles.Check(files, options, FileOwner, now);
        var today = RemedyTime.ChinaDate(now);
        var dispute = new Dispute
        {
            RecordId = record.Id,
            SubjectId = subjectId,
            UnitCode = record.UnitCode,
            CategoryCode = record.CategoryCode,
            ApplicantAccountId = accountId,
            Reason = text,
            Status = DisputeStatus.Filed,
            FiledAt = now,
            ForwardDue = RemedyTime.Due(calendar, today, ForwardDays),
        };

        await using var transaction = await context.Database.BeginTransactionAsync(cancellationToken);
        context.Disputes.Add(dispute);
        try
        {
            await context.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // ix_disputes_open_record: another request filed a dispute of this record a moment ago.
            context.Entry(dispute).State = EntityState.Detached;
            throw new RemedyException("recordId", "这条记录已有正在处理的异议。", "A dispute of this record is already being handled.");
        }

        foreach (var file in stored)
        {
            file.OwnerId = dispute.Id;
        }

        context.RemedyFiles.AddRange(stored);
        await context.SaveChangesAsync(cancellationToken);
        await context.Records.Where(r => r.Id == record.Id).ExecuteUpdateAsync(s => s.SetProperty(r => r.UnderDispute, true), cancellationToken);
        var category = CategoryName(record.CategoryCode);
        await notifications.SendAsync(context, accountId, new Message("dispute-filed",
            $"异议已受理（第 {dispute.Id} 号）", $"Dispute No. {dispute.Id} received",
            $"您对“{category.Zh}”记录的异议已受理。市信用中心将于 {Day(dispute.ForwardDue)} 前转交信息提供单位核查；处理期间记录仍然有效，标注为“异议中”。",
            $"Your dispute of the '{category.En}' record was received. The credit centre forwards it to the furnishing unit by {Day(dispute.ForwardDue)}; meanwhile the record stays in force, marked as under dispute.",
            "/me/disputes"), cancellationToken);
        await notifications.SendToRoleAsync(context, Roles.Operator, null, new Message("dispute-to-forward",
            $"新异议待转交（第 {dispute.Id} 号）", $"New dispute No. {dispute.Id} to forward",
            $"请于 {Day(dispute.ForwardDue)} 前转交信息提供单位。", $"Forward it to the furnishing unit by {Day(dispute.ForwardDue)}.", "/operator/disputes"), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return dispute;
    }

    /// <summary>The credit centre forwards the dispute to the furnishing unit; the unit's 15 working days start.</summary>
    public async Task<Dispute> ForwardAsync(ShangdingDbContext context, long disputeId, string actor, CancellationToken cancellationToken)
    {
        var dispute = await LoadAsync(context, disputeId, cancellationToken);
        if (dispute.Status != DisputeStatus.Filed)
        {
            throw WrongState();
        }

        var now = RemedyTime.Now(clock);
        await using var transaction = await context.Database.BeginTransactionAsync(cancellationToken);
        dispute.Status = DisputeStatus.Forwarded;
        dispute.ForwardedAt = now;
        dispute.ForwardedBy = actor;
        dispute.AnswerDue = RemedyTime.Due(calendar, RemedyTime.ChinaDate(now), AnswerDays);
        await context.SaveChangesAsync(cancellationToken);
        await notifications.SendToRoleAsync(context, Roles.UnitClerk, dispute.UnitCode, new Message("dispute-to-verify",
            $"异议待核查（第 {dispute.Id} 号）", $"Dispute No. {dispute.Id} to verify",
            $"市信用中心转来一件异议，请于 {Day(dispute.AnswerDue.Value)} 前完成核查并答复：更正、撤销或维持（说明理由）。",
            $"The credit centre forwarded a dispute. Verify and answer by {Day(dispute.AnswerDue.Value)}: correct, withdraw, or uphold with reasons.",
            "/unit/disputes"), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return dispute;
    }

    /// <summary>
    /// The furnishing unit answers. A correction or withdrawal goes through the intake pipeline as the
    /// unit; if the pipeline refuses the corrected values, nothing changes and the reasons are thrown.
    /// </summary>
    public async Task<Dispute> AnswerAsync(ShangdingDbContext context, long disputeId, string unitCode, string actor, DisputeAnswer answer,
        CancellationToken cancellationToken)
    {
        var dispute = await LoadAsync(context, disputeId, cancellationToken);
        if (dispute.UnitCode != unitCode)
        {
            throw new RemedyException(null, "这件异议不属于本单位。", "This dispute is not about a record of your unit.");
        }

        if (dispute.Status != DisputeStatus.Forwarded)
        {
            throw WrongState();
        }

        var text = answer.Text?.Trim();
        if (answer.Outcome == DisputeOutcome.Upheld)
        {
            text = CheckText(text, "text", "维持原记录时请说明理由。", "Give the reasons for upholding the record.");
        }
        else if (text is { Length: > 0 } && text.Length > options.MaxTextLength)
        {
            CheckText(text, "text", "", "");
        }

        var record = await context.Records.AsNoTracking().FirstAsync(r => r.Id == dispute.RecordId, cancellationToken);
        long? batchId = null;
        if (answer.Outcome != DisputeOutcome.Upheld)
        {
            var category = catalog.Find(record.CategoryCode)!;
            IntakeRow row;
            if (answer.Outcome == DisputeOutcome.Withdrawn)
            {
                row = RecordRows.Withdrawal(record);
            }
            else
            {
                var subject = await context.Subjects.AsNoTracking().FirstAsync(s => s.Id == record.SubjectId, cancellationToken);
                row = RecordRows.Correction(category, record, subject, protector, answer.Corrections ?? new Dictionary<string, string?>());
            }

            var result = await intake.RunAsync(new IntakeRequest(unitCode, IntakeChannels.Dispute, actor, record.CategoryCode, ReturnRecordResults: true), [row], null, cancellationToken);
            var outcome = result.Records.Count > 0 ? result.Records[0] : null;
            if (result.Refusals.Count > 0)
            {
                var first = result.Refusals[0];
                throw new RemedyException(null, first.MessageZh, first.MessageEn);
            }

            if (outcome is { Outcome: RecordOutcome.Rejected })
            {
                var first = outcome.Reasons[0];
                throw new RemedyException(first.Field, first.MessageZh, first.MessageEn);
            }

            batchId = result.BatchId;
            if (outcome is { Outcome: RecordOutcome.Unchanged } && answer.Outcome == DisputeOutcome.Corrected)
            {
                // The same values again: fine only when this dispute's correction already went through
                // (an answer interrupted after the intake batch committed); otherwise nothing was corrected.
                var earlier = await context.RecordChanges.AsNoTracking()
                    .Where(c => c.RecordId == record.Id && c.Channel == IntakeChannels.Dispute && c.At >= dispute.ForwardedAt)
                    .OrderByDescending(c => c.Id).Select(c => c.BatchId).FirstOrDefaultAsync(cancellationToken);
                batchId = earlier ?? throw new RemedyException(null, "更正后的内容与原记录相同；请修改有误的字段，或选择维持并说明理由。",
                    "The corrected values are the same as the record: change the wrong fields, or uphold the record with reasons.");
            }
        }

        var now = RemedyTime.Now(clock);
        await using var transaction = await context.Database.BeginTransactionAsync(cancellationToken);
        dispute.Status = DisputeStatus.Answered;
        dispute.AnsweredAt = now;
        dispute.AnsweredBy = actor;
        dispute.Outcome = answer.Outcome;
        dispute.AnswerText = string.IsNullOrEmpty(text) ? null : text;
        dispute.BatchId = batchId;
        dispute.NotifyDue = RemedyTime.Due(calendar, RemedyTime.ChinaDate(now), NotifyDays);
        await context.SaveChangesAsync(cancellationToken);
        if (answer.Outcome != DisputeOutcome.Upheld)
        {
            await RecordStatusChanges.MarkForRescoreAsync(context, [dispute.SubjectId], "dispute", now, cancellationToken);
            await NotifyRecipientsAsync(context, dispute, record, now, cancellationToken);
        }

        await notifications.SendToRoleAsync(context, Roles.Operator, null, new Message("dispute-answered",
            $"异议已核查（第 {dispute.Id} 号）", $"Dispute No. {dispute.Id} verified",
            $"信息提供单位已答复（{OutcomeZh(answer.Outcome)}）。请于 {Day(dispute.NotifyDue.Value)} 前书面告知申请人。",
            $"The furnishing unit answered ({answer.Outcome}). Tell the applicant in writing by {Day(dispute.NotifyDue.Value)}.",
            "/operator/disputes"), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return dispute;
    }

    /// <summary>The centre tells the applicant the result in writing; the dispute is closed and the record no longer marked.</summary>
    public async Task<Dispute> NotifyApplicantAsync(ShangdingDbContext context, long disputeId, string actor, CancellationToken cancellationToken)
    {
        var dispute = await LoadAsync(context, disputeId, cancellationToken);
        if (dispute.Status != DisputeStatus.Answered)
        {
            throw WrongState();
        }

        var now = RemedyTime.Now(clock);
        await using var transaction = await context.Database.BeginTransactionAsync(cancellationToken);
        dispute.Status = DisputeStatus.Closed;
        dispute.NotifiedAt = now;
        dispute.NotifiedBy = actor;
        await context.SaveChangesAsync(cancellationToken);
        if (!await context.Disputes.AnyAsync(d => d.RecordId == dispute.RecordId && d.Status != DisputeStatus.Closed, cancellationToken))
        {
            await context.Records.Where(r => r.Id == dispute.RecordId).ExecuteUpdateAsync(s => s.SetProperty(r => r.UnderDispute, false), cancellationToken);
        }

        if (dispute.ApplicantAccountId is { } applicant)
        {
            var category = CategoryName(dispute.CategoryCode);
            var (zh, en) = dispute.Outcome switch
            {
                DisputeOutcome.Corrected => ("经核查，记录有误，已予更正；您的商鼎分（如已开通）将重新计算。", "The record was found wrong and has been corrected; your Shangding score (if you opted in) is recomputed."),
                DisputeOutcome.Withdrawn => ("经核查，记录有误，已予撤销；您的商鼎分（如已开通）将重新计算。", "The record was found wrong and has been withdrawn; your Shangding score (if you opted in) is recomputed."),
                _ => ("经核查，记录与事实相符，予以维持。理由：" + dispute.AnswerText, "The record was found to match the facts and stands. Reasons: " + dispute.AnswerText),
            };
            await notifications.SendAsync(context, applicant, new Message("dispute-result",
                $"异议处理结果（第 {dispute.Id} 号）", $"Result of dispute No. {dispute.Id}",
                $"您对“{category.Zh}”记录的异议：{zh}", $"Your dispute of the '{category.En}' record: {en}", "/me/disputes"), cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return dispute;
    }

    /// <summary>Steps of a dispute with their deadlines, as of <paramref name="today"/>.</summary>
    public IReadOnlyList<DisputeStepState> Steps(Dispute dispute, DateOnly today)
    {
        return
        [
            State(DisputeStep.Forward, dispute.ForwardDue, dispute.ForwardedAt),
            State(DisputeStep.Answer, dispute.AnswerDue, dispute.AnsweredAt),
            State(DisputeStep.Notify, dispute.NotifyDue, dispute.NotifiedAt),
        ];

        DisputeStepState State(DisputeStep step, DateOnly? due, DateTime? done)
        {
            var state = DeadlineState.Of(calendar, due, done, today);
            return new DisputeStepState(step, state.Due, state.DoneAt, state.Overdue, state.WorkingDaysLate);
        }
    }

    /// <summary>The current step that is overdue, if any.</summary>
    public DisputeStepState? OverdueStep(Dispute dispute, DateOnly today) => Steps(dispute, today).FirstOrDefault(s => s.Overdue);

    /// <summary>Open disputes, oldest first; with <paramref name="overdueOnly"/> only those with a late step.</summary>
    public async Task<List<Dispute>> ListOpenAsync(ShangdingDbContext context, bool overdueOnly, CancellationToken cancellationToken)
    {
        var open = await context.Disputes.AsNoTracking().Where(d => d.Status != DisputeStatus.Closed).OrderBy(d => d.Id).ToListAsync(cancellationToken);
        var today = RemedyTime.Today(clock);
        return overdueOnly ? [.. open.Where(d => OverdueStep(d, today) is not null)] : open;
    }

    /// <summary>Tells operators and supervisors once about each step that became overdue (003 §25: dispute handling not done). Returns how many steps were flagged.</summary>
    public async Task<int> FlagOverdueAsync(ShangdingDbContext context, CancellationToken cancellationToken)
    {
        var today = RemedyTime.Today(clock);
        var flagged = 0;
        foreach (var open in await ListOpenAsync(context, true, cancellationToken))
        {
            var step = OverdueStep(open, today)!;
            var name = step.Step.ToString().ToLowerInvariant();
            var already = (open.OverdueFlagged ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries);
            if (already.Contains(name))
            {
                continue;
            }

            await using var transaction = await context.Database.BeginTransactionAsync(cancellationToken);
            var dispute = await context.Disputes.FirstAsync(d => d.Id == open.Id, cancellationToken);
            dispute.OverdueFlagged = string.Join(',', already.Append(name));
            await context.SaveChangesAsync(cancellationToken);
            var (whoZh, whoEn) = step.Step switch
            {
                DisputeStep.Forward => ("市信用中心转交", "forwarding by the credit centre"),
                DisputeStep.Answer => ($"信息提供单位（{UnitName(dispute.UnitCode).Zh}）核查", $"verification by the furnishing unit ({UnitName(dispute.UnitCode).En})"),
                _ => ("书面告知申请人", "telling the applicant in writing"),
            };
            await notifications.SendToStaffAsync(context, new Message("dispute-overdue",
                $"异议逾期（第 {dispute.Id} 号）", $"Dispute No. {dispute.Id} overdue",
                $"{whoZh}已超过期限 {Day(step.Due!.Value)}（逾期 {step.WorkingDaysLate} 个工作日）。",
                $"The step '{whoEn}' is past its deadline {Day(step.Due!.Value)} ({step.WorkingDaysLate} working day(s) late).",
                "/operator/disputes"), cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            flagged++;
        }

        return flagged;
    }

    /// <summary>Records with an open dispute among the subject's records (for "under dispute" marks on any page).</summary>
    public static async Task<HashSet<long>> UnderDisputeAsync(ShangdingDbContext context, long subjectId, CancellationToken cancellationToken) =>
        [.. await context.Disputes.AsNoTracking().Where(d => d.SubjectId == subjectId && d.Status != DisputeStatus.Closed)
            .Select(d => d.RecordId).ToListAsync(cancellationToken)];

    /// <summary>Whether the record has an open dispute.</summary>
    public static Task<bool> IsUnderDisputeAsync(ShangdingDbContext context, long recordId, CancellationToken cancellationToken) =>
        context.Disputes.AnyAsync(d => d.RecordId == recordId && d.Status != DisputeStatus.Closed, cancellationToken);

    /// <summary>The roles of queriers outside the platform who take a subject's information away: they are told of a correction.</summary>
    public static IReadOnlyList<string> RecipientRoles { get; } = [Roles.ThirdParty, Roles.GovernmentQuerier];

    /// <summary>
    /// 003 §24: the organisations and bodies that received the subject's information in the last months
    /// are told that it was corrected — the accounts of third parties and government queriers with an
    /// allowed query in the query log. Refused queries received nothing; the public search has no account
    /// to tell; the subject, the furnishing unit and the credit centre already know. Each account is told
    /// once (inbox, and the outbox for its gateways). Returns how many were told.
    /// </summary>
    public async Task<int> NotifyRecipientsAsync(ShangdingDbContext context, Dispute dispute, CreditRecord record, DateTime now, CancellationToken cancellationToken)
    {
        var since = now.AddMonths(-options.RecipientMonths);
        var roles = RecipientRoles.ToList();
        var accounts = await context.QueryLog.AsNoTracking()
            .Where(q => q.SubjectId == dispute.SubjectId && q.Outcome == QueryOutcome.Allowed && q.At >= since && q.At <= now
                && q.QuerierAccountId != null && roles.Contains(q.QuerierRole))
            .Select(q => q.QuerierAccountId!.Value)
            .Distinct()
            .OrderBy(id => id)
            .ToListAsync(cancellationToken);
        if (accounts.Count == 0)
        {
            return 0;
        }

        var subject = await context.Subjects.AsNoTracking().FirstAsync(s => s.Id == dispute.SubjectId, cancellationToken);
        var category = CategoryName(record.CategoryCode);
        var verb = dispute.Outcome == DisputeOutcome.Withdrawn ? ("撤销", "withdrawn") : ("更正", "corrected");
        var message = new Message("information-corrected",
            "信用信息更正通知", "Notice of corrected credit information",
            $"您于近 {options.RecipientMonths} 个月内获取过信用主体 {subject.IdMasked} 的信用信息。其“{category.Zh}”记录经异议核查已{verb.Item1}，请以更正后的信息为准，消除不良影响（《郑州市公共信用信息管理暂行办法》第二十四条）。",
            $"In the last {options.RecipientMonths} months you received credit information about the subject {subject.IdMasked}. Their '{category.En}' record was {verb.Item2} after a dispute; please rely on the corrected information and undo any harm done (Zhengzhou interim measures, art. 24).");
        await notifications.SendAsync(context, accounts, message, cancellationToken);
        return accounts.Count;
    }

    public (string Zh, string En) CategoryName(string code) =>
        catalog.Find(code) is { } c ? (c.NameZh, c.NameEn) : (code, code);

    public (string Zh, string En) UnitName(string code) =>
        catalog.FindUnit(code) is { } u ? (u.NameZh, u.NameEn) : (code, code);

    public static string OutcomeZh(DisputeOutcome outcome) => outcome switch
    {
        DisputeOutcome.Corrected => "已更正",
        DisputeOutcome.Withdrawn => "已撤销",
        _ => "维持原记录",
    };

    private static async Task<Dispute> LoadAsync(ShangdingDbContext context, long id, CancellationToken cancellationToken) =>
        await context.Disputes.FirstOrDefaultAsync(d => d.Id == id, cancellationToken)
        ?? throw new RemedyException(null, $"没有第 {id} 号异议。", $"There is no dispute No. {id}.");

    private static RemedyException WrongState() =>
        new(null, "这件异议已处于下一环节，请刷新页面。", "This dispute has already moved on; reload the page.");

    private string CheckText(string? text, string field, string requiredZh, string requiredEn)
    {
        var trimmed = text?.Trim() ?? "";
        if (trimmed.Length == 0)
        {
            throw new RemedyException(field, requiredZh, requiredEn);
        }

        if (trimmed.Length > options.MaxTextLength)
        {
            throw new RemedyException(field, $"最多 {options.MaxTextLength} 个字。", $"At most {options.MaxTextLength} characters.");
        }

        return trimmed;
    }

    private static string Day(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
