using Microsoft.EntityFrameworkCore;
using Shangding.Core.Data;
using Shangding.Core.Intake;
using Shangding.Testing;

namespace Shangding.Data.Tests.Intake;

/// <summary>
/// One amount, one stored form: 1,234.50 typed in a CSV or a form, 1234.5 from an Excel number cell and 1234.500 in a
/// JSON number are the same record; records stored before migration 0024 are brought to that form.
/// </summary>
public sealed class CanonicalNumbersTests
{
    private const string Water = "P-ARREARS-WATER";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string Alice = TestPlatform.ResidentId(new DateOnly(1985, 4, 12), 123);
    private static readonly string Bob = TestPlatform.ResidentId(new DateOnly(1990, 11, 3), 456);
    private static readonly string Carol = TestPlatform.ResidentId(new DateOnly(1970, 1, 1), 789);

    private static IntakeService Service(TestDatabase db) =>
        new(TestPlatform.Catalog, TestPlatform.Protector, db.Settings, MovableClock.At(2026, 3, 16));

    private static IntakeRequest Request(string channel = IntakeChannels.Batch) =>
        new("WATER-SUPPLY", channel, "clerk:test", Water, ReturnRecordResults: true);

    private static IntakeRow Row(string key, string id, string amount, string quantity) =>
        IntakePipelineTests.Row(3, key, id, "王小明", ("arrears_amount", amount), ("arrears_quantity", quantity));

    [Fact]
    public void ADecimal_LosesOnlyItsTrailingZeros()
    {
        RecordContent.CanonicalNumber(820.50m).ToString(System.Globalization.CultureInfo.InvariantCulture).ShouldBe("820.5");
        RecordContent.CanonicalNumber(100.000m).ToString(System.Globalization.CultureInfo.InvariantCulture).ShouldBe("100");
        RecordContent.CanonicalNumber(0.00m).ToString(System.Globalization.CultureInfo.InvariantCulture).ShouldBe("0");
        RecordContent.CanonicalNumber(0.125m).ToString(System.Globalization.CultureInfo.InvariantCulture).ShouldBe("0.125");
        RecordContent.CanonicalNumber(1200m).ToString(System.Globalization.CultureInfo.InvariantCulture).ShouldBe("1200");
        RecordContent.ToJson(new Dictionary<string, object?> { ["a"] = 820.50m, ["b"] = 7L, ["c"] = "820.50" })
            .ShouldBe("""{"a":820.5,"b":7,"c":"820.50"}""");
        Shangding.Core.Remedies.RecordRows.MoneyText("820.5").ShouldBe("820.50");
        Shangding.Core.Remedies.RecordRows.MoneyText("1200").ShouldBe("1200.00");
        Shangding.Core.Remedies.RecordRows.MoneyText("0.125").ShouldBe("0.125");
    }

    [Theory]
    [AllEngines]
    public async Task TheSameAmounts_WrittenAnotherWay_AreTheSameRecord(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var service = Service(db);
        (await service.RunAsync(Request(), [Row("W-1", Alice, "1,234.50", "120.50")], null, Ct)).Created.ShouldBe(1);

        // As an Excel number cell gives them, then as a JSON number with more digits.
        var excel = await service.RunAsync(Request(), [Row("W-1", Alice, "1234.5", "120.5")], null, Ct);
        (excel.Created, excel.Updated, excel.Unchanged).ShouldBe((0, 0, 1));
        var api = await service.RunAsync(Request(IntakeChannels.Api), [Row("W-1", Alice, "1234.500", "120.500")], null, Ct);
        (api.Updated, api.Unchanged).ShouldBe((0, 1));
        // A different amount is still a change.
        var changed = await service.RunAsync(Request(), [Row("W-1", Alice, "1234.05", "120.5")], null, Ct);
        changed.Updated.ShouldBe(1);

        await using var context = db.NewContext();
        var record = await context.Records.AsNoTracking().SingleAsync(Ct);
        record.Version.ShouldBe(2);
        var before = await context.RecordChanges.AsNoTracking().Where(c => c.Action == RecordAction.Updated).Select(c => c.BeforeJson).SingleAsync(Ct);
        before.ShouldNotBeNull();
        before.ShouldContain("1234.5");
        before.ShouldNotContain("1234.50");
    }

    [Theory]
    [AllEngines]
    public async Task Migration0024_BringsRecordsStoredBefore_ToTheCanonicalForm_AndTouchesNothingElse(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var service = Service(db);
        IntakeRow[] csv = [Row("W-1", Alice, "1,234.50", "120.50"), Row("W-2", Bob, "88.00", "3"), Row("W-3", Carol, "5.10", "1")];
        (await service.RunAsync(Request(), csv, null, Ct)).Created.ShouldBe(3);

        // Put the records back as intake stored them before 0024 (decimals with the digits they came with, hashed so); make
        // W-2's hash one this code did not write, and W-3's subject's identifier one these keys do not decrypt (a damaged
        // row): both must be left alone, and neither may stop the upgrade.
        await using (var context = db.NewContext())
        {
            foreach (var record in await context.Records.ToListAsync(Ct))
            {
                CanonicalNumbersMigration.TryRead(record.FieldsJson, out var values, out var canonical).ShouldBeTrue();
                canonical.ShouldBeTrue();
                values["arrears_amount"] = Convert.ToDecimal(values["arrears_amount"], System.Globalization.CultureInfo.InvariantCulture) + 0.00m; // 1234.50, 88.00
                var legacy = RecordContent.ToJsonUtf8AsSent(values);
                var key = TestPlatform.Protector.ContentKey(record.RecordKey switch { "W-1" => Alice, "W-2" => Bob, _ => Carol });
                var hash = record.RecordKey == "W-2" ? new string('0', 32) : RecordContent.Hash(Water, key, record.ActDate, legacy);
                await SetAsync(context, provider, record.Id, System.Text.Encoding.UTF8.GetString(legacy), hash);
            }

            var carol = TestPlatform.Protector.LookupHash(Carol);
            (await context.Subjects.Where(x => x.IdHash == carol).ExecuteUpdateAsync(x => x.SetProperty(p => p.IdCipher, "v1:not-a-cipher"), Ct)).ShouldBe(1);
            (await context.Database.ExecuteSqlRawAsync("DELETE FROM schema_migrations WHERE version = '0024'", Ct)).ShouldBe(1);
        }

        // Before the migration, W-1's stored hash is not the one intake now computes for its values (so a re-send would read
        // "updated"): this is what the migration fixes.
        await using (var context = db.NewContext())
        {
            var w1 = await context.Records.AsNoTracking().SingleAsync(r => r.RecordKey == "W-1", Ct);
            CanonicalNumbersMigration.TryRead(w1.FieldsJson, out var values, out var canonical).ShouldBeTrue();
            canonical.ShouldBeFalse();
            w1.ContentHash.ShouldNotBe(RecordContent.Hash(Water, TestPlatform.Protector.ContentKey(Alice), w1.ActDate, RecordContent.ToJsonUtf8(values)));
        }

        // Without the identity keys the step cannot hash, and says so; nothing of it is applied.
        var refused = await Should.ThrowAsync<InvalidOperationException>(() => new SchemaMigrator(db.Settings).MigrateAsync(Ct));
        refused.Message.ShouldContain("identity keys");
        (await new SchemaMigrator(db.Settings, () => TestPlatform.Protector).AppliedAsync(Ct)).ShouldNotContain("0024");

        var report = await new SchemaMigrator(db.Settings, () => TestPlatform.Protector).MigrateAsync(Ct);
        report.NewlyApplied.ShouldBe(["0024"]);
        // W-2's hash was not one intake wrote, W-3's subject does not decrypt: left alone, and the log says so.
        report.Notes.ShouldHaveSingleItem().ShouldStartWith("0024 canonical_numbers: 1 record(s) brought to the canonical number form; 2 left as they were");

        await using (var context = db.NewContext())
        {
            var w1 = await context.Records.AsNoTracking().SingleAsync(r => r.RecordKey == "W-1", Ct);
            w1.FieldsJson.ShouldNotContain("1234.50");
            w1.FieldsJson.ShouldContain("1234.5");
            w1.Version.ShouldBe(1);
            var w2 = await context.Records.AsNoTracking().SingleAsync(r => r.RecordKey == "W-2", Ct);
            w2.ContentHash.ShouldBe(new string('0', 32));
            w2.FieldsJson.ShouldContain("88.00");
            (await context.Records.AsNoTracking().SingleAsync(r => r.RecordKey == "W-3", Ct)).FieldsJson.ShouldContain("5.10");
            (await context.RecordChanges.CountAsync(Ct)).ShouldBe(3);
        }

        // The record stored before 0024 now reads unchanged when sent again as the CSV had it, or as Excel gives it.
        var again = await service.RunAsync(Request(), [Row("W-1", Alice, "1,234.50", "120.50")], null, Ct);
        (again.Updated, again.Unchanged).ShouldBe((0, 1));
        var excel = await service.RunAsync(Request(), [Row("W-1", Alice, "1234.5", "120.5")], null, Ct);
        (excel.Updated, excel.Unchanged).ShouldBe((0, 1));
    }

    private static Task<int> SetAsync(ShangdingDbContext context, DatabaseProvider provider, long id, string fields, string hash) =>
        provider == DatabaseProvider.Postgres
            ? context.Database.ExecuteSqlAsync($"UPDATE credit_records SET fields = CAST({fields} AS jsonb), content_hash = {hash} WHERE id = {id}", Ct)
            : context.Database.ExecuteSqlAsync($"UPDATE credit_records SET fields = {fields}, content_hash = {hash} WHERE id = {id}", Ct);
}
