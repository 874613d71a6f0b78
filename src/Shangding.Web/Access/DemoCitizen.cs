using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Shangding.Core.Access;
using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Core.Intake;
using Shangding.Core.Subjects;

namespace Shangding.Web.Access;

/// <summary>
/// The demo resident behind the <c>citizen</c> account (development only, <c>Demo:Seed</c>): the first
/// adult of the demo population who has not opted in to the score, given a mix of records — a city
/// volunteer honour, blood donations, and water arrears — so the citizen pages have good and bad
/// records, reasons and a what-if to show. The password is the demo password of the README.
/// </summary>
public static class DemoCitizen
{
    public const string UserName = "citizen";

    public static async Task EnsureAsync(ShangdingDbContext context, AccountService accounts, IdentityProtector protector, TimeProvider clock, CancellationToken cancellationToken)
    {
#pragma warning disable CA1862 // lower() is what the unique index covers
        if (await context.Accounts.AnyAsync(a => a.UserName.ToLower() == UserName, cancellationToken))
#pragma warning restore CA1862
        {
            return;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var today = Shangding.Core.Reporting.ReportingTime.ChinaDate(clock.GetUtcNow());
        var adult = today.AddYears(-18);
        var optedIn = context.ScoreOptIns.Select(o => o.SubjectId);
        var subject = await context.Subjects
            .Where(s => s.Kind == SubjectKind.Person && s.BirthDate != null && s.BirthDate <= adult && !optedIn.Contains(s.Id))
            .OrderBy(s => s.Id).FirstOrDefaultAsync(cancellationToken);
        if (subject is null)
        {
            return;
        }

        var contentKey = protector.ContentKey(protector.Decrypt(subject.IdCipher));
        string Day(int daysAgo) => today.AddDays(-daysAgo).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var records = new List<CreditRecord>
        {
            Record(subject, contentKey, "P-VOLUNTEER", "CIVILISATION-OFFICE", 240, today, now, new Dictionary<string, object?>
            {
                ["rated_on"] = Day(240), ["rating_body"] = "市文明办", ["honour_level"] = "市级",
            }),
            Record(subject, contentKey, "P-BLOOD-DONATION", "HEALTH-COMMISSION", 150, today, now, new Dictionary<string, object?>
            {
                ["donation_place"] = "郑州市中心血站", ["donated_on"] = Day(150), ["issuing_body"] = "郑州市中心血站", ["donation_count"] = 2,
            }),
            Record(subject, contentKey, "P-ARREARS-WATER", "WATER-SUPPLY", 40, today, now, new Dictionary<string, object?>
            {
                ["customer_address"] = "郑州市金水区经三路 12 号", ["arrears_from"] = Day(400), ["arrears_counted_to"] = Day(60),
                ["arrears_quantity"] = 96, ["arrears_amount"] = 820.5m, ["determining_body"] = "市自来水公司", ["determined_on"] = Day(40),
            }),
        };
        await using var transaction = await context.Database.BeginTransactionAsync(cancellationToken);
        context.Records.AddRange(records);
        await context.SaveChangesAsync(cancellationToken);
        var changes = records.Select(r => new RecordChange
        {
            SubjectId = r.SubjectId, RecordId = r.Id, Version = 1, Action = RecordAction.Created, Channel = "demo",
            Actor = "demo-seeder", At = now, AfterJson = r.FieldsJson,
        }).ToList();
        context.RecordChanges.AddRange(changes);
        await context.SaveChangesAsync(cancellationToken);

        // Sealed like every other history row, so `audit verify` passes on the demo database.
        await Core.Audit.RecordHistory.SealAsync(context.Database.GetDbConnection(), transaction.GetDbTransaction(),
            context.Database.IsNpgsql() ? DatabaseProvider.Postgres : DatabaseProvider.Sqlite, "demo", null,
            "id IN (" + string.Join(", ", changes.Select(c => c.Id.ToString(CultureInfo.InvariantCulture))) + ")",
            new Dictionary<string, object>(), "demo-seeder", now, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        await accounts.CreateAsync(context, UserName, subject.Name, Roles.Citizen, DemoAccounts.Password, null, subject.Id, cancellationToken);
    }

    private static CreditRecord Record(Subject subject, string contentKey, string category, string unit, int daysAgo, DateOnly today, DateTime now, Dictionary<string, object?> values)
    {
        var fields = RecordContent.ToJson(values);
        var actDate = today.AddDays(-daysAgo);
        return new CreditRecord
        {
            SubjectId = subject.Id,
            UnitCode = unit,
            CategoryCode = category,
            RecordKey = $"DEMO-CITIZEN-{category}",
            ActDate = actDate,
            Severity = category == "P-ARREARS-WATER" ? nameof(Severity.General) : null,
            Status = RecordStatus.InForce,
            FieldsJson = fields,
            ContentHash = RecordContent.Hash(category, contentKey, actDate, fields),
            Version = 1,
            CreatedAt = now,
            UpdatedAt = now,
        };
    }
}
