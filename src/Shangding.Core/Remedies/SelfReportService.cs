using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Access;
using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Core.Intake;
using Shangding.Core.Notifications;
using Shangding.Core.Subjects;

namespace Shangding.Core.Remedies;

/// <summary>What a resident reports (004 §5.3: name, sex, ID number, the matter), with the category and the date of the deed.</summary>
public sealed record SelfReportInput(string? CategoryCode, string? UnitCode, string? Name, string? Sex, string? IdNumber, string? ActDate, string? Matter);

/// <summary>
/// Self-reporting of good deeds (004 §5): a resident aged 18 or over reports a good deed of their own
/// with proof; the category's responsible unit reviews it; an approved report becomes a record through
/// the intake pipeline as that unit, a refused one gets reasons.
/// </summary>
public sealed class SelfReportService(CatalogDefinition catalog, IntakeService intake, IdentityProtector protector, NotificationService notifications,
    DecisionDeadlines deadlines, RemediesOptions options, TimeProvider clock)
{
    public const string FileOwner = "self-report";

    /// <summary>Good-deed categories about persons: those a resident can report.</summary>
    public IReadOnlyList<Category> Categories { get; } = [.. catalog.Categories.Where(c => c.Polarity == Polarity.Good && c.SubjectKind == SubjectKind.Person)];

    public async Task<SelfReport> SubmitAsync(ShangdingDbContext context, long accountId, SelfReportInput input, IReadOnlyList<EvidenceUpload> files,
        CancellationToken cancellationToken)
    {
        var account = await context.Accounts.AsNoTracking().FirstOrDefaultAsync(a => a.Id == accountId, cancellationToken);
        var subject = account?.SubjectId is { } sid ? await context.Subjects.AsNoTracking().FirstOrDefaultAsync(s => s.Id == sid, cancellationToken) : null;
        if (subject is null || subject.Kind != SubjectKind.Person)
        {
            throw new RemedyException(null, "只有实名登录的个人可以自主申报。", "Only a signed-in resident can report their own good deeds.");
        }

        var today = RemedyTime.Today(clock);
        if (subject.BirthDate is not { } birth || birth.AddYears(18) > today)
        {
            throw new RemedyException(null, "自主申报须年满 18 周岁。", "You must be 18 or over to report your own good deeds.");
        }

        var category = Categories.FirstOrDefault(c => c.Code == input.CategoryCode)
            ?? throw new RemedyException("category", "请选择一类良好信息。", "Choose a kind of good deed.");
        var unit = string.IsNullOrWhiteSpace(input.UnitCode) ? category.ResponsibleUnits[0] : input.UnitCode.Trim();
        if (!category.ResponsibleUnits.Contains(unit, StringComparer.Ordinal))
        {
            throw new RemedyException("unit", "请选择负责这类信息的单位。", "Choose a unit responsible for this kind of record.");
        }

        var name = input.Name?.Trim() ?? "";
        if (name.Length == 0)
        {
            throw new RemedyException("name", "请填写姓名。", "Enter your name.");
        }

        if (name != subject.Name)
        {
            throw new RemedyException("name", "姓名与实名登记的不一致。", "The name is not the one you are registered with.");
        }

        var id = IdentifierNormaliser.Normalise(input.IdNumber ?? "");
        if (id.Length == 0)
        {
            throw new RemedyException("idNumber", "请填写身份证号码。", "Enter your ID number.");
        }

        if (protector.LookupHash(id) != subject.IdHash)
        {
            throw new RemedyException("idNumber", "身份证号码与实名登记的不一致：只能申报本人的事项。", "The ID number is not yours: you can only report your own deeds.");
        }

        var sex = input.Sex?.Trim() switch
        {
            "M" or "男" => "M",
            "F" or "女" => "F",
            _ => throw new RemedyException("sex", "请选择性别。", "Choose your sex."),
        };
        if (subject.Sex is { } known && known != sex)
        {
            throw new RemedyException("sex", "性别与身份证号码不一致。", "The sex does not match the ID number.");
        }

        if (!DateOnly.TryParseExact(input.ActDate?.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var act))
        {
            throw new RemedyException("actDate", "请填写事项日期（年-月-日）。", "Enter the date of the deed (year-month-day).");
        }

        if (act > today)
        {
            throw new RemedyException("actDate", "事项日期不能晚于今天。", "The date cannot be in the future.");
        }

        var matter = input.Matter?.Trim() ?? "";
        if (matter.Length == 0)
        {
            throw new RemedyException("matter", "请说明具体事项。", "Describe the deed.");
        }

        if (matter.Length > options.MaxTextLength)
        {
            throw new RemedyException("matter", $"最多 {options.MaxTextLength} 个字。", $"At most {options.MaxTextLength} characters.");
        }

        var now = RemedyTime.Now(clock);
        var stored = EvidenceFiles.Check(files, options, FileOwner, now, required: true);
        await using var transaction = await context.Database.BeginTransactionAsync(cancellationToken);
        var report = new SelfReport
        {
            AccountId = accountId,
            SubjectId = subject.Id,
            CategoryCode = category.Code,
            UnitCode = unit,
            Name = name,
            Sex = sex,
            ActDate = act,
            Matter = matter,
            Status = ApplicationStatus.Pending,
            FiledAt = now,
            DecisionDue = deadlines.SelfReportDue(now),
        };
        context.SelfReports.Add(report);
        await context.SaveChangesAsync(cancellationToken);
        stored.ForEach(f => f.OwnerId = report.Id);
        context.RemedyFiles.AddRange(stored);
        await context.SaveChangesAsync(cancellationToken);
        await notifications.SendToRoleAsync(context, Roles.UnitClerk, unit, new Message("self-report-to-review",
            $"自主申报待审核（第 {report.Id} 号）", $"Self-report No. {report.Id} to review",
            $"一位市民申报了“{category.NameZh}”事项，请审核证明材料，于 {Day(report.DecisionDue.Value)} 前作出认定。",
            $"A resident reported a '{category.NameEn}' deed; review the proof and decide by {Day(report.DecisionDue.Value)}.", "/unit/self-reports"), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return report;
    }

    /// <summary>
    /// The responsible unit approves (the record goes through the intake pipeline as the unit, with the
    /// category fields the clerk confirmed) or refuses with reasons.
    /// </summary>
    public async Task<SelfReport> DecideAsync(ShangdingDbContext context, long reportId, string unitCode, string actor, bool approve, string? reason,
        IReadOnlyDictionary<string, string?>? fields, CancellationToken cancellationToken)
    {
        var report = await context.SelfReports.FirstOrDefaultAsync(r => r.Id == reportId, cancellationToken)
            ?? throw new RemedyException(null, $"没有第 {reportId} 号申报。", $"There is no self-report No. {reportId}.");
        if (report.UnitCode != unitCode)
        {
            throw new RemedyException(null, "这件申报不由本单位审核。", "This report is not for your unit to review.");
        }

        if (report.Status != ApplicationStatus.Pending)
        {
            throw new RemedyException(null, "这件申报已经审核。", "This report has already been reviewed.");
        }

        var text = reason?.Trim();
        var category = catalog.Find(report.CategoryCode)!;
        long? batchId = null;
        long? recordId = null;
        if (approve)
        {
            var subject = await context.Subjects.AsNoTracking().FirstAsync(s => s.Id == report.SubjectId, cancellationToken);
            var values = new Dictionary<string, string?>(fields ?? new Dictionary<string, string?>(), StringComparer.Ordinal);
            var actField = category.ActDateField ?? IntakeColumns.ActDate;
            if (string.IsNullOrWhiteSpace(values.GetValueOrDefault(actField)))
            {
                values[actField] = report.ActDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            }

            var key = string.Create(CultureInfo.InvariantCulture, $"SELF-{report.Id}");
            var row = RecordRows.NewRecord(category, key, subject, protector, values);
            var result = await intake.RunAsync(new IntakeRequest(unitCode, IntakeChannels.SelfReport, actor, category.Code, ReturnRecordResults: true), [row], null, cancellationToken);
            if (result.Refusals.Count > 0)
            {
                throw new RemedyException(null, result.Refusals[0].MessageZh, result.Refusals[0].MessageEn);
            }

            if (result.Records.Count > 0 && result.Records[0] is { Outcome: RecordOutcome.Rejected } rejected)
            {
                throw new RemedyException(rejected.Reasons[0].Field, rejected.Reasons[0].MessageZh, rejected.Reasons[0].MessageEn);
            }

            batchId = result.BatchId;
            recordId = await context.Records.AsNoTracking().Where(r => r.UnitCode == unitCode && r.RecordKey == key).Select(r => (long?)r.Id).FirstOrDefaultAsync(cancellationToken);
        }
        else if (string.IsNullOrEmpty(text))
        {
            throw new RemedyException("reason", "不予认定时请说明理由。", "Give the reasons for refusing.");
        }

        var now = RemedyTime.Now(clock);
        await using var transaction = await context.Database.BeginTransactionAsync(cancellationToken);
        report.Status = approve ? ApplicationStatus.Approved : ApplicationStatus.Refused;
        report.DecidedAt = now;
        report.DecidedBy = actor;
        report.DecisionReason = string.IsNullOrEmpty(text) ? null : text;
        report.BatchId = batchId;
        report.RecordId = recordId;
        await context.SaveChangesAsync(cancellationToken);
        await notifications.SendAsync(context, report.AccountId, approve
            ? new Message("self-report-approved", "自主申报已认定", "Self-report approved",
                $"您申报的“{category.NameZh}”事项已认定，已记入您的信用记录。", $"Your '{category.NameEn}' report was approved and is now one of your credit records.", "/me/self-reports")
            : new Message("self-report-refused", "自主申报未认定", "Self-report refused",
                $"您申报的“{category.NameZh}”事项未予认定。理由：{text}", $"Your '{category.NameEn}' report was refused. Reasons: {text}", "/me/self-reports"),
            cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return report;
    }

    private static string Day(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
