using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Access;
using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Core.Notifications;

namespace Shangding.Core.Remedies;

/// <summary>
/// Credit repair (信用修复, 002 §7, NDRC Order No. 36): after the minimum publication period the
/// subject applies with proof of having met the obligation and a credit commitment; the furnishing
/// unit or the credit centre decides; on approval the record is Repaired — no longer published or
/// scored — and the subject rescored. At the maximum period publication and scoring stop by
/// themselves (<see cref="ExpirePublicationAsync"/>, daily). Minors' minor acts are protected
/// (<see cref="ProtectMinorsAsync"/>).
/// </summary>
public sealed class RepairService(CatalogDefinition catalog, DatabaseSettings settings, NotificationService notifications, DecisionDeadlines deadlines, RemediesOptions options, TimeProvider clock)
{
    public const string FileOwner = "repair";

    public const string CommitmentZh = "本人承诺已纠正失信行为、履行相关义务，所提交材料真实有效；如有虚假或再次失信，愿承担相应责任。";
    public const string CommitmentEn = "I commit that I have corrected the dishonest act and met the obligation, that the proof I submit is true, and that I accept the consequences of any falsehood or new breach.";

    public async Task<RepairApplication> ApplyAsync(ShangdingDbContext context, long accountId, long recordId, string? statement, bool commitment,
        IReadOnlyList<EvidenceUpload> files, CancellationToken cancellationToken)
    {
        var account = await context.Accounts.AsNoTracking().FirstOrDefaultAsync(a => a.Id == accountId, cancellationToken);
        if (account?.SubjectId is not { } subjectId)
        {
            throw new RemedyException(null, "只有信息主体本人可以申请信用修复。", "Only the subject of the record can apply for credit repair.");
        }

        var record = await context.Records.AsNoTracking().FirstOrDefaultAsync(r => r.Id == recordId && r.SubjectId == subjectId, cancellationToken)
            ?? throw new RemedyException("recordId", "请选择您本人的一条失信记录。", "Choose one of your own bad records.");
        var window = PublicationPeriods.For(record);
        if (window is null || catalog.Find(record.CategoryCode)?.Polarity != Polarity.Bad)
        {
            throw new RemedyException("recordId", "只有失信（不良）记录可以申请信用修复。", "Only bad records can be repaired.");
        }

        if (record.Status != RecordStatus.InForce)
        {
            throw new RemedyException("recordId", "这条记录已不再公示和计分，无需修复。", "This record is no longer published or scored; there is nothing to repair.");
        }

        if (await context.RepairApplications.AnyAsync(a => a.RecordId == recordId && a.Status == ApplicationStatus.Pending, cancellationToken))
        {
            throw new RemedyException("recordId", "这条记录已有待审核的修复申请。", "A repair application for this record is already waiting for a decision.");
        }

        var today = RemedyTime.Today(clock);
        var subject = await context.Subjects.AsNoTracking().FirstAsync(s => s.Id == subjectId, cancellationToken);
        if (today < window.RepairFrom && !PublicationPeriods.IsProtectedMinorAct(record, subject))
        {
            throw new RemedyException("recordId",
                $"{SeverityZh(window.Severity)}失信信息最短公示期为 {PublicationPeriods.MinMonths(window.Severity)} 个月，{Day(window.RepairFrom)} 起可以申请修复。",
                $"A {window.Severity.ToString().ToLowerInvariant()} record is published for at least {PublicationPeriods.MinMonths(window.Severity)} months; you can apply from {Day(window.RepairFrom)}.");
        }

        var text = (statement ?? "").Trim();
        if (text.Length == 0)
        {
            throw new RemedyException("statement", "请说明您如何纠正了失信行为、履行了义务。", "Say how you corrected the act and met the obligation.");
        }

        if (text.Length > options.MaxTextLength)
        {
            throw new RemedyException("statement", $"最多 {options.MaxTextLength} 个字。", $"At most {options.MaxTextLength} characters.");
        }

        if (!commitment)
        {
            throw new RemedyException("commitment", "请阅读并同意信用承诺。", "Read and agree to the credit commitment.");
        }

        var now = RemedyTime.Now(clock);
        var stored = EvidenceFiles.Check(files, options, FileOwner, now, required: true);
        await using var transaction = await context.Database.BeginTransactionAsync(cancellationToken);
        var application = new RepairApplication
        {
            RecordId = record.Id,
            SubjectId = subjectId,
            UnitCode = record.UnitCode,
            ApplicantAccountId = accountId,
            Statement = text,
            Commitment = CommitmentZh,
            Status = ApplicationStatus.Pending,
            FiledAt = now,
            DecisionDue = deadlines.RepairDue(now),
        };
        context.RepairApplications.Add(application);
        try
        {
            await context.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // ix_repair_applications_pending_record: another application for this record arrived a moment ago.
            context.Entry(application).State = EntityState.Detached;
            throw new RemedyException("recordId", "这条记录已有待审核的修复申请。", "A repair application for this record is already waiting for a decision.");
        }
        stored.ForEach(f => f.OwnerId = application.Id);
        context.RemedyFiles.AddRange(stored);
        await context.SaveChangesAsync(cancellationToken);
        var message = new Message("repair-to-decide", $"信用修复申请待审核（第 {application.Id} 号）", $"Credit repair application No. {application.Id} to decide",
            $"“{Name(record.CategoryCode).Zh}”记录的主体申请信用修复，请审核证明材料，于 {Day(application.DecisionDue.Value)} 前作出决定。",
            $"The subject of a '{Name(record.CategoryCode).En}' record applied for credit repair; review the proof and decide by {Day(application.DecisionDue.Value)}.",
            "/operator/repairs");
        await notifications.SendToRoleAsync(context, Roles.Operator, null, message, cancellationToken);
        await notifications.SendToRoleAsync(context, Roles.UnitClerk, record.UnitCode, message with { Link = "/unit/repairs" }, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return application;
    }

    /// <summary>The furnishing unit (<paramref name="unitCode"/>) or the centre (null) approves or refuses (with reasons).</summary>
    public async Task<RepairApplication> DecideAsync(ShangdingDbContext context, long applicationId, string? unitCode, string actor, bool approve, string? reason,
        CancellationToken cancellationToken)
    {
        var application = await context.RepairApplications.FirstOrDefaultAsync(a => a.Id == applicationId, cancellationToken)
            ?? throw new RemedyException(null, $"没有第 {applicationId} 号修复申请。", $"There is no repair application No. {applicationId}.");
        if (unitCode is not null && application.UnitCode != unitCode)
        {
            throw new RemedyException(null, "这件申请不属于本单位。", "This application is not about a record of your unit.");
        }

        if (application.Status != ApplicationStatus.Pending)
        {
            throw new RemedyException(null, "这件申请已经作出决定。", "This application has already been decided.");
        }

        var text = reason?.Trim();
        if (!approve && string.IsNullOrEmpty(text))
        {
            throw new RemedyException("reason", "不予修复时请说明理由。", "Give the reasons for refusing.");
        }

        var now = RemedyTime.Now(clock);
        await using var transaction = await context.Database.BeginTransactionAsync(cancellationToken);
        application.Status = approve ? ApplicationStatus.Approved : ApplicationStatus.Refused;
        application.DecidedAt = now;
        application.DecidedBy = actor;
        application.DecisionReason = string.IsNullOrEmpty(text) ? null : text;
        await context.SaveChangesAsync(cancellationToken);
        var record = await context.Records.FirstAsync(r => r.Id == application.RecordId, cancellationToken);
        if (approve && record.Status == RecordStatus.InForce)
        {
            await RecordStatusChanges.ApplyAsync(context, transaction, settings, [record], RecordStatus.Repaired, RecordAction.Repaired, "repair", actor,
                "record-repaired", application.Id, $"repair application {application.Id}: record {record.Id} repaired", now, cancellationToken);
        }

        if (application.ApplicantAccountId is { } applicant)
        {
            var name = Name(record.CategoryCode);
            await notifications.SendAsync(context, applicant, approve
                ? new Message("repair-approved", "信用修复已通过", "Credit repair approved",
                    $"您的“{name.Zh}”记录已完成信用修复，不再公示，也不再计入商鼎分。", $"Your '{name.En}' record is repaired: it is no longer published or counted in the Shangding score.", "/me/repairs")
                : new Message("repair-refused", "信用修复未通过", "Credit repair refused",
                    $"您的“{name.Zh}”记录的修复申请未通过。理由：{text}", $"Your repair application for the '{name.En}' record was refused. Reasons: {text}", "/me/repairs"),
                cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return application;
    }

    /// <summary>Bad records past their maximum publication period stop by themselves: status Expired, rescored. Returns how many.</summary>
    public async Task<int> ExpirePublicationAsync(ShangdingDbContext context, CancellationToken cancellationToken)
    {
        var today = RemedyTime.Today(clock);
        var minor = today.AddMonths(-PublicationPeriods.MaxMonths(Severity.Minor));
        var general = today.AddMonths(-PublicationPeriods.MaxMonths(Severity.General));
        var serious = today.AddMonths(-PublicationPeriods.MaxMonths(Severity.Serious));
        var due = await context.Records
            .Where(r => r.Status == RecordStatus.InForce && r.ActDate != null && (
                (r.Severity == nameof(Severity.Minor) && r.ActDate <= minor) ||
                (r.Severity == nameof(Severity.General) && r.ActDate <= general) ||
                (r.Severity == nameof(Severity.Serious) && r.ActDate <= serious)))
            .OrderBy(r => r.Id).ToListAsync(cancellationToken);
        // Only where the act date plus the maximum really has passed (month arithmetic at month ends).
        due = [.. due.Where(r => PublicationPeriods.For(r) is { } w && today >= w.End)];
        if (due.Count == 0)
        {
            return 0;
        }

        var now = RemedyTime.Now(clock);
        await using var transaction = await context.Database.BeginTransactionAsync(cancellationToken);
        await RecordStatusChanges.ApplyAsync(context, transaction, settings, due, RecordStatus.Expired, RecordAction.Expired, "system", "system:publication-end",
            "publication-expiry", null, string.Create(CultureInfo.InvariantCulture, $"{due.Count} bad record(s) reached the end of their maximum publication period on {Day(today)}"),
            now, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return due.Count;
    }

    /// <summary>
    /// A minor act of a person under 18 at the time (002 §7) is not published (minor acts never are)
    /// and not scored: such records in force are set Repaired with the actor <c>system:minor-protection</c>.
    /// Returns how many.
    /// </summary>
    public async Task<int> ProtectMinorsAsync(ShangdingDbContext context, CancellationToken cancellationToken)
    {
        var today = RemedyTime.Today(clock);
        // A minor act in force is at most 3 months old, so its subject was born less than 18 years and 3 months ago.
        var bornAfter = today.AddYears(-18).AddMonths(-PublicationPeriods.MaxMonths(Severity.Minor) - 1);
        var candidates = await (from r in context.Records
                                join s in context.Subjects on r.SubjectId equals s.Id
                                where r.Status == RecordStatus.InForce && r.Severity == nameof(Severity.Minor)
                                      && s.Kind == SubjectKind.Person && s.BirthDate != null && s.BirthDate > bornAfter
                                select new { Record = r, s.BirthDate }).ToListAsync(cancellationToken);
        var protectedRecords = candidates.Where(c => PublicationPeriods.ActedAsMinor(c.BirthDate, c.Record.ActDate)).Select(c => c.Record).ToList();
        if (protectedRecords.Count == 0)
        {
            return 0;
        }

        var now = RemedyTime.Now(clock);
        await using var transaction = await context.Database.BeginTransactionAsync(cancellationToken);
        await RecordStatusChanges.ApplyAsync(context, transaction, settings, protectedRecords, RecordStatus.Repaired, RecordAction.Repaired, "system",
            "system:minor-protection", "minor-protection", null,
            string.Create(CultureInfo.InvariantCulture, $"{protectedRecords.Count} minor act(s) of persons under 18 at the time protected"), now, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return protectedRecords.Count;
    }

    private (string Zh, string En) Name(string code) => catalog.Find(code) is { } c ? (c.NameZh, c.NameEn) : (code, code);

    public static string SeverityZh(Severity severity) => severity switch
    {
        Severity.Minor => "轻微",
        Severity.General => "一般",
        _ => "严重",
    };

    private static string Day(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
