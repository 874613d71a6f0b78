using Microsoft.EntityFrameworkCore;
using Shangding.Core.Data;
using Shangding.Core.Generation;
using Shangding.Core.Intake;
using Shangding.Core.Scoring;
using Shangding.Core.Subjects;
using Shangding.Testing;

namespace Shangding.Data.Tests.Generation;

public sealed class PopulationGeneratorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static PopulationGenerator Generator(TestDatabase db, TimeProvider clock) => new(TestPlatform.Catalog, TestPlatform.Protector,
        new ScoreModelRegistry(new Shangding.Core.ShangdingPaths(RepoPaths.Root, RepoPaths.Catalog, Path.Combine(RepoPaths.Catalog, "calendar"), Path.GetTempPath()),
            TestPlatform.Catalog, db.Settings, clock), clock);

    [Theory]
    [AllEngines]
    public async Task Generate_WritesPersonsAndRecordsAsIntakeWould_AndTheSameSeedGivesTheSamePopulation(DatabaseProvider provider)
    {
        var clock = MovableClock.At(2026, 3, 16);
        var today = new DateOnly(2026, 3, 16);
        await using var db = await TestDatabase.CreateAsync(provider);
        var report = await Generator(db, clock).GenerateAsync(db.Settings, new GenerationOptions(600, 6, Seed: 7, OptedInShare: 0.7), null, Ct);

        await using var context = db.NewContext();
        var subjects = await context.Subjects.AsNoTracking().OrderBy(s => s.Id).ToListAsync(Ct);
        var records = await context.Records.AsNoTracking().OrderBy(r => r.Id).ToListAsync(Ct);
        subjects.Count.ShouldBe(600);
        report.Records.ShouldBe(records.Count);
        ((long)records.Count).ShouldBeInRange(600 * 6 * 9 / 10, 600 * 6 * 11 / 10 + report.SameActReports);
        (await context.RecordChanges.CountAsync(Ct)).ShouldBe(records.Count);

        // Identifiers protected as intake protects them; valid resident ID numbers, unique, birth date and sex as encoded.
        var ids = new HashSet<string>();
        foreach (var s in subjects)
        {
            var id = TestPlatform.Protector.Decrypt(s.IdCipher);
            ids.Add(id).ShouldBeTrue();
            ResidentIdNumber.TryParse(id, today, out var parsed, out _).ShouldBeTrue(id);
            s.IdHash.ShouldBe(TestPlatform.Protector.LookupHash(id));
            s.IdMasked.ShouldBe(Masking.Mask(id));
            s.BirthDate.ShouldBe(parsed!.BirthDate);
            s.Sex.ShouldBe(parsed.Sex == Sex.Male ? "M" : "F");
            s.Name.Length.ShouldBeInRange(2, 4);
        }

        // Opt-ins: adults only, about the share asked for.
        var optIns = await context.ScoreOptIns.AsNoTracking().ToListAsync(Ct);
        optIns.Count.ShouldBe(report.OptedIn);
        var bySubject = subjects.ToDictionary(s => s.Id);
        optIns.ShouldAllBe(o => bySubject[o.SubjectId].BirthDate!.Value.AddYears(18) <= today);
        optIns.Count.ShouldBeInRange(350, 480);

        // Every record passes intake's validation and is stored exactly as intake would store it.
        var dates = new HashSet<string>();
        foreach (var r in records)
        {
            var category = TestPlatform.Catalog.Find(r.CategoryCode)!;
            category.ResponsibleUnits.ShouldContain(r.UnitCode);
            var subject = bySubject[r.SubjectId];
            var cells = RecordContent(r.FieldsJson);
            cells["record_key"] = r.RecordKey;
            cells[category.SubjectNameField] = subject.Name;
            cells[category.SubjectIdTypeField] = "居民身份证";
            cells[category.SubjectIdField] = TestPlatform.Protector.Decrypt(subject.IdCipher);
            if (category.ActDateField is null)
            {
                cells[IntakeColumns.ActDate] = r.ActDate!.Value.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            }

            var result = new RecordValidator(category, today).Validate(new IntakeRow(1, category.Code, cells, []));
            result.Reasons.ShouldBeEmpty($"{r.CategoryCode} {r.FieldsJson}");
            // PostgreSQL's jsonb keeps its own spelling of the text: compare the content, and the hash over intake's text.
            var intakeJson = Shangding.Core.Intake.RecordContent.ToJson(result.Record!.Fields);
            System.Text.Json.Nodes.JsonNode.DeepEquals(System.Text.Json.Nodes.JsonNode.Parse(intakeJson), System.Text.Json.Nodes.JsonNode.Parse(r.FieldsJson)).ShouldBeTrue(r.FieldsJson);
            result.Record.ActDate.ShouldBe(r.ActDate);
            result.Record.Severity.ShouldBe(r.Severity);
            r.ContentHash.ShouldBe(Shangding.Core.Intake.RecordContent.Hash(r.CategoryCode, TestPlatform.Protector.ContentKey(TestPlatform.Protector.Decrypt(subject.IdCipher)), r.ActDate, intakeJson));
            r.ActDate!.Value.ShouldBeLessThanOrEqualTo(today);
        }

        // Good and bad records of many categories; some acts reported twice (by another unit or list).
        records.Select(r => r.CategoryCode).Distinct().Count().ShouldBeGreaterThan(20);
        records.Count(r => TestPlatform.Catalog.Find(r.CategoryCode)!.Polarity == Shangding.Core.Catalog.Polarity.Bad).ShouldBeInRange(records.Count / 5, records.Count / 2);
        report.SameActReports.ShouldBeGreaterThan(0);

        // The same seed on another database: the same people and records (the ciphers' nonces differ).
        await using var again = await TestDatabase.CreateAsync(provider);
        await Generator(again, clock).GenerateAsync(again.Settings, new GenerationOptions(600, 6, Seed: 7, OptedInShare: 0.7), null, Ct);
        await using var context2 = again.NewContext();
        (await context2.Subjects.AsNoTracking().OrderBy(s => s.Id).Select(s => s.IdHash + s.Name).ToListAsync(Ct))
            .ShouldBe(subjects.Select(s => s.IdHash + s.Name));
        (await context2.Records.AsNoTracking().OrderBy(r => r.Id).Select(r => r.ContentHash).ToListAsync(Ct))
            .ShouldBe(records.Select(r => r.ContentHash));

        // A database that holds subjects is refused, and nothing is added.
        var refused = await Should.ThrowAsync<GenerationException>(() => Generator(db, clock).GenerateAsync(db.Settings, new GenerationOptions(10, 1, 1), null, Ct));
        refused.Message.ShouldContain("empty database");
        (await context.Subjects.CountAsync(Ct)).ShouldBe(600);
    }

    [Fact]
    public void TheChunkGenerators_DependOnlyOnSeedChunkAndPurpose_NotOnTheProcess()
    {
        // Fixed values: a generator seeded from a per-process hash would give other numbers in another run.
        PopulationGenerator.ChunkRandom(42, 0, 1).Next(1_000_000).ShouldBe(PopulationGenerator.ChunkRandom(42, 0, 1).Next(1_000_000));
        PopulationGenerator.ChunkRandom(42, 0, 1).Next(1_000_000).ShouldNotBe(PopulationGenerator.ChunkRandom(42, 1, 1).Next(1_000_000));
        PopulationGenerator.ChunkRandom(42, 7, 2).Next(1_000_000).ShouldBe(Expected);
    }

    private const int Expected = 123440; // pinned: the same in every process and on every machine

    private static Dictionary<string, string?> RecordContent(string json) =>
        ScoringRecord.ParseFields(json).ToDictionary(p => p.Key, p => (string?)p.Value);
}
