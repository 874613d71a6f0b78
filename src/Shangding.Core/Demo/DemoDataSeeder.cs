using System.Globalization;
using Bogus;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Core.Intake;
using Shangding.Core.Subjects;

namespace Shangding.Core.Demo;

/// <summary>What <see cref="DemoDataSeeder.SeedAsync"/> wrote.</summary>
public sealed record DemoSeedReport(bool Seeded, int Persons, int Records);

/// <summary>
/// Fills an empty database with a synthetic population for the development server and demos:
/// persons with valid (checksummed, fictitious) resident ID numbers in Zhengzhou districts, and
/// records across the catalogue's person categories furnished by their responsible units.
/// Deterministic for a given seed. Does nothing if any subject already exists.
/// </summary>
public sealed class DemoDataSeeder(CatalogDefinition catalog, IdentityProtector protector, TimeProvider clock)
{
    // Zhengzhou district codes (GB/T 2260): Zhongyuan, Erqi, Guancheng, Jinshui, Shangjie, Huiji.
    private static readonly string[] Districts = ["410102", "410103", "410104", "410105", "410106", "410108"];

    public async Task<DemoSeedReport> SeedAsync(ShangdingDbContext context, int persons, int seed, CancellationToken cancellationToken)
    {
        if (await context.Subjects.AnyAsync(cancellationToken))
        {
            return new DemoSeedReport(false, 0, 0);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var today = DateOnly.FromDateTime(now);
        await UnitSynchroniser.SyncAsync(context, catalog, now, cancellationToken);

        var random = new Random(seed);
        Randomizer.Seed = new Random(seed);
        var faker = new Faker("zh_CN");
        var personCategories = catalog.Categories.Where(c => c.SubjectKind == SubjectKind.Person).ToList();
        var good = personCategories.Where(c => c.Polarity == Polarity.Good).ToList();
        var bad = personCategories.Where(c => c.Polarity == Polarity.Bad).ToList();

        var subjects = new List<(Subject Subject, string IdNumber)>();
        var usedIds = new HashSet<string>(StringComparer.Ordinal);
        while (subjects.Count < persons)
        {
            var birth = today.AddYears(-random.Next(18, 80)).AddDays(-random.Next(0, 365));
            var sequence = random.Next(0, 1000);
            var first17 = string.Create(CultureInfo.InvariantCulture, $"{Districts[random.Next(Districts.Length)]}{birth:yyyyMMdd}{sequence:000}");
            var id = first17 + ResidentIdNumber.ComputeCheckDigit(first17);
            if (!usedIds.Add(id))
            {
                continue;
            }

            var parsed = ResidentIdNumber.Parse(id, today);
            var name = faker.Name.LastName() + faker.Name.FirstName();
            subjects.Add((new Subject
            {
                Kind = SubjectKind.Person,
                CertType = nameof(CertificateType.ResidentId),
                IdHash = protector.LookupHash(id),
                IdCipher = protector.Encrypt(id),
                IdMasked = Masking.Mask(id),
                Name = name,
                BirthDate = parsed.BirthDate,
                Sex = parsed.Sex == Sex.Male ? "M" : "F",
                CreatedAt = now,
                UpdatedAt = now,
            }, id));
        }

        context.Subjects.AddRange(subjects.Select(s => s.Subject));
        await context.SaveChangesAsync(cancellationToken);

        var records = new List<CreditRecord>();
        var key = 0;
        foreach (var (subject, idNumber) in subjects)
        {
            var contentKey = protector.ContentKey(idNumber);
            // Most people have a few good records; about one in five has a bad one.
            var goodCount = random.Next(0, 4);
            for (var i = 0; i < goodCount && good.Count > 0; i++)
            {
                records.Add(NewRecord(good[random.Next(good.Count)], subject, contentKey, ++key, random, faker, today, now));
            }

            if (random.NextDouble() < 0.2 && bad.Count > 0)
            {
                records.Add(NewRecord(bad[random.Next(bad.Count)], subject, contentKey, ++key, random, faker, today, now));
            }
        }

        context.Records.AddRange(records);
        await context.SaveChangesAsync(cancellationToken);

        await SeedReportingHistoryAsync(context, random, now, cancellationToken);

        context.RecordChanges.AddRange(records.Select(r => new RecordChange
        {
            SubjectId = r.SubjectId,
            RecordId = r.Id,
            Version = 1,
            Action = RecordAction.Created,
            Channel = "demo",
            Actor = "demo-seeder",
            At = now,
            AfterJson = r.FieldsJson,
        }));
        await context.SaveChangesAsync(cancellationToken);
        await SealHistoryAsync(context, now, cancellationToken);
        return new DemoSeedReport(true, subjects.Count, records.Count);
    }

    /// <summary>The demo history is sealed like any intake batch, so `audit verify` passes on a demo database.</summary>
    private static async Task SealHistoryAsync(ShangdingDbContext context, DateTime now, CancellationToken cancellationToken)
    {
        await using var transaction = await context.Database.BeginTransactionAsync(cancellationToken);
        await Audit.RecordHistory.SealAsync(context.Database.GetDbConnection(), Microsoft.EntityFrameworkCore.Storage.DbContextTransactionExtensions.GetDbTransaction(transaction),
            context.Database.IsNpgsql() ? DatabaseProvider.Postgres : DatabaseProvider.Sqlite, "demo", null, "channel = 'demo' AND batch_id IS NULL",
            new Dictionary<string, object>(), "demo-seeder", now, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// Units joined the platform a quarter ago; about two in three have reported each of their
    /// categories recently, so the compliance pages and the reminder job have something to show.
    /// </summary>
    private async Task SeedReportingHistoryAsync(ShangdingDbContext context, Random random, DateTime now, CancellationToken cancellationToken)
    {
        var joined = now.AddDays(-92);
        await context.Units.ExecuteUpdateAsync(s => s.SetProperty(u => u.CreatedAt, joined), cancellationToken);
        foreach (var unit in catalog.Units)
        {
            foreach (var category in catalog.CategoriesOfUnit(unit.Code))
            {
                if (random.NextDouble() < 0.35)
                {
                    continue;
                }

                var finished = now.AddDays(-random.Next(0, 3)).AddHours(-random.Next(1, 8));
                // Rows that were on file already: only a batch that furnished something counts as a report.
                var rows = random.Next(5, 400);
                context.IntakeBatches.Add(new IntakeBatch
                {
                    UnitCode = unit.Code,
                    CategoryCode = category.Code,
                    Channel = "demo",
                    Status = BatchStatus.Committed,
                    TotalRows = rows,
                    Unchanged = rows,
                    Actor = "demo-seeder",
                    StartedAt = finished.AddMinutes(-2),
                    FinishedAt = finished,
                });
            }
        }

        await context.SaveChangesAsync(cancellationToken);
    }

    private static CreditRecord NewRecord(Category category, Subject subject, string contentKey, int key, Random random, Faker faker, DateOnly today, DateTime now)
    {
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        DateOnly? actDate = null;
        foreach (var field in category.Fields)
        {
            if (field.Code == category.SubjectNameField || field.Code == category.SubjectIdTypeField || field.Code == category.SubjectIdField)
            {
                continue;
            }

            if (!field.Required && random.NextDouble() < 0.3)
            {
                continue;
            }

            object value = field.Type switch
            {
                FieldType.Date => today.AddDays(-random.Next(1, 3 * 365)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                FieldType.DateTime => now.AddDays(-random.Next(1, 3 * 365)).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
                FieldType.Integer => random.Next(1, 12),
                FieldType.Decimal => Math.Round(random.NextDouble() * 100, 2),
                FieldType.Money => Math.Round(random.NextDouble() * 5000 + 10, 2),
                FieldType.Enum => field.AllowedValues[random.Next(field.AllowedValues.Count)],
                FieldType.Address => faker.Address.City() + faker.Address.StreetAddress(),
                FieldType.PlateNumber => "豫A" + faker.Random.String2(5, "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"),
                FieldType.Name => faker.Name.LastName() + faker.Name.FirstName(),
                FieldType.Uscc => "91410100MA" + faker.Random.String2(8, "0123456789ABCDEFGHJKLMNPQRTUWXY"),
                _ => $"{category.NameZh}（示例{key}）",
            };
            values[field.Code] = value;
            if (field.Code == category.ActDateField && value is string text && DateOnly.TryParse(text[..10], CultureInfo.InvariantCulture, out var date))
            {
                actDate = date;
            }
        }

        var fields = RecordContent.ToJson(values);
        return new CreditRecord
        {
            SubjectId = subject.Id,
            UnitCode = category.ResponsibleUnits[0],
            CategoryCode = category.Code,
            RecordKey = string.Create(CultureInfo.InvariantCulture, $"DEMO-{key:000000}"),
            ActDate = actDate,
            Severity = category.Severity?.ToString(),
            Status = RecordStatus.InForce,
            FieldsJson = fields,
            ContentHash = RecordContent.Hash(category.Code, contentKey, actDate, fields),
            Version = 1,
            CreatedAt = now,
            UpdatedAt = now,
        };
    }
}
