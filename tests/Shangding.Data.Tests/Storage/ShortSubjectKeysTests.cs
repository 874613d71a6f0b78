using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Data;
using Shangding.Core.Intake;
using Shangding.Testing;

namespace Shangding.Data.Tests.Storage;

/// <summary>Migration 0018: subjects' look-up keys shortened to 128 bits, records' content hashes unchanged.</summary>
public sealed class ShortSubjectKeysTests
{
    private const string Water = "P-ARREARS-WATER";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly string Alice = TestPlatform.ResidentId(new DateOnly(1985, 4, 12), 123);
    private static readonly string Bob = TestPlatform.ResidentId(new DateOnly(1990, 11, 3), 456);

    private static IntakeRow Row(int number, string key, string id, string name)
    {
        var values = new Dictionary<string, string?>
        {
            ["record_key"] = key, ["name"] = name, ["id_type"] = "居民身份证", ["id_number"] = id,
            ["customer_address"] = "郑州市金水区花园路 1 号", ["arrears_from"] = "2025-06-01", ["arrears_counted_to"] = "2026-02-28",
            ["arrears_quantity"] = "120.5", ["arrears_amount"] = "1,234.50", ["determining_body"] = "市自来水公司", ["determined_on"] = "2026-03-02",
        };
        return new IntakeRow(number, null, values, values.Values.ToArray());
    }

    private static string FullHmac(string id) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(TestPlatform.Keys.HashKey.ToArray(), Encoding.UTF8.GetBytes(id)));

    [Theory]
    [AllEngines]
    public async Task SubjectsStoredWithTheFullHmac_AreFoundAfterTheMigration_AndTheirRecordsSentAgainAreUnchanged(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var service = new IntakeService(TestPlatform.Catalog, TestPlatform.Protector, db.Settings, MovableClock.At(2026, 3, 16));
        var request = new IntakeRequest("WATER-SUPPLY", IntakeChannels.Batch, "clerk:test", Water);
        IntakeRow[] rows = [Row(3, "W-1", Alice, "王小明"), Row(4, "W-2", Bob, "李华")];
        (await service.RunAsync(request, rows, null, Ct)).Created.ShouldBe(2);

        // Content hashes are what every earlier version wrote: the full HMAC as the subject's part.
        await using (var context = db.NewContext())
        {
            var record = await context.Records.AsNoTracking().SingleAsync(r => r.RecordKey == "W-1", Ct);
            var json = RecordContent.ToJson(new RecordValidator(TestPlatform.Catalog.Find(Water)!, new DateOnly(2026, 3, 16))
                .Validate(rows[0]).Record!.Fields);
            record.ContentHash.ShouldBe(RecordContent.Hash(Water, FullHmac(Alice), record.ActDate, json));
            (await context.Subjects.AsNoTracking().Select(s => s.IdHash).ToListAsync(Ct)).ShouldAllBe(h => h.Length == 32);
        }

        // Put the database back as it was before 0018: subjects keyed by the full HMAC, 0018 not applied.
        await using (var context = db.NewContext())
        {
            foreach (var id in new[] { Alice, Bob })
            {
                var key = TestPlatform.Protector.LookupHash(id);
                var subject = await context.Subjects.SingleAsync(s => s.IdHash == key, Ct);
                subject.IdHash = FullHmac(id);
            }

            await context.SaveChangesAsync(Ct);
            (await context.Database.ExecuteSqlRawAsync("DELETE FROM schema_migrations WHERE version = '0018'", Ct)).ShouldBe(1);
        }

        (await new SchemaMigrator(db.Settings).MigrateAsync(Ct)).NewlyApplied.ShouldBe(["0018"]);

        await using (var context = db.NewContext())
        {
            var aliceKey = TestPlatform.Protector.LookupHash(Alice);
            (await context.Subjects.AsNoTracking().SingleAsync(s => s.IdHash == aliceKey, Ct)).Name.ShouldBe("王小明");
        }

        var again = await service.RunAsync(request, rows, null, Ct);
        (again.Created, again.Updated, again.Unchanged, again.Rejected).ShouldBe((0, 0, 2, 0));
        await using (var context = db.NewContext())
        {
            (await context.Subjects.CountAsync(Ct)).ShouldBe(2);
            (await context.RecordChanges.CountAsync(Ct)).ShouldBe(2);
        }
    }
}
