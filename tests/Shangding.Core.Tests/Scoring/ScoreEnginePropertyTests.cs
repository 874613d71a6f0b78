using System.Globalization;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using Shangding.Core.Catalog;
using Shangding.Core.Scoring;

namespace Shangding.Core.Tests.Scoring;

/// <summary>
/// Properties of the engine over generated record sets (FsCheck): every category of the model, act
/// dates before and after the date of the score or missing, every status, grade fields across their
/// ranges, repeated case numbers and dates so that same-act groups and repeats occur.
/// </summary>
public sealed class ScoreEnginePropertyTests
{
    private static readonly ScoreModel Model = ShippedModelTests.Model;
    private static readonly DateOnly AsOf = new(2026, 3, 1);
    private static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(2000);

    private static readonly string[] HonourLevels = ["区县级", "市级", "省级", "国家级"];
    private static readonly List<string> AllCategories = [.. Model.Rules.Select(r => r.CategoryCode)];
    private static readonly List<string> Good = [.. Model.Rules.Where(r => r.Scored && r.Polarity == Polarity.Good).Select(r => r.CategoryCode)];
    private static readonly List<string> Bad = [.. Model.Rules.Where(r => r.Scored && r.Polarity == Polarity.Bad).Select(r => r.CategoryCode)];

    private static string Day(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>A record of one of <paramref name="categories"/>; dates and case numbers come from small pools so that acts coincide.</summary>
    private static Gen<ScoringRecord> RecordOf(IReadOnlyList<string> categories, bool inForce = false) =>
        from category in Gen.Elements(categories.ToArray())
        from daysBack in Gen.Choose(-30, 7 * 365)
        from noDate in Gen.Frequency((9, Gen.Constant(false)), (1, Gen.Constant(true)))
        from status in inForce ? Gen.Constant(ScoringStatus.InForce)
            : Gen.Frequency((8, Gen.Constant(ScoringStatus.InForce)), (1, Gen.Elements(ScoringStatus.Withdrawn, ScoringStatus.Repaired, ScoringStatus.Expired)))
        from level in Gen.Elements(HonourLevels)
        from donations in Gen.Choose(0, 30)
        from amount in Gen.Choose(0, 6000)
        from arrearsDays in Gen.Choose(0, 800)
        from severity in Gen.Elements("一般", "较重", "严重")
        from caseNumber in Gen.Choose(0, 4)
        from disputed in Gen.Frequency((19, Gen.Constant(false)), (1, Gen.Constant(true)))
        let act = AsOf.AddDays(-(daysBack - daysBack % 30)) // whole months apart: same dates happen often
        select new ScoringRecord(0, category, noDate ? null : act, status, new Dictionary<string, string>
        {
            ["honour_level"] = level,
            ["donation_count"] = donations.ToString(CultureInfo.InvariantCulture),
            ["arrears_amount"] = amount.ToString(CultureInfo.InvariantCulture),
            ["arrears_from"] = Day(act.AddDays(-arrearsDays)),
            ["arrears_counted_to"] = Day(act),
            ["dishonesty_severity"] = severity,
            ["case_number"] = "(2025)豫01执" + caseNumber.ToString(CultureInfo.InvariantCulture) + "号",
        }, UnderDispute: disputed);

    /// <summary>0–20 records with distinct ids.</summary>
    private static Gen<List<ScoringRecord>> RecordSets(IReadOnlyList<string> categories) =>
        from size in Gen.Choose(0, 20)
        from records in RecordOf(categories).ArrayOf(size)
        select records.Select((r, i) => r with { Id = i + 1 }).ToList();

    private static List<ScoringRecord> Insert(List<ScoringRecord> list, int index, ScoringRecord record)
    {
        var copy = list.ToList();
        copy.Insert(index, record);
        return copy;
    }

    private static int ScoreOf(IReadOnlyList<ScoringRecord> records) => ScoreEngine.Compute(records, Model, AsOf).Score;

    [Fact]
    public void TheScore_StaysWithin0And200_WithALevelThatFitsIt()
    {
        Prop.ForAll(RecordSets(AllCategories).ToArbitrary(), records =>
        {
            var result = ScoreEngine.Compute(records, Model, AsOf);
            var byScore = Model.LevelOf(result.Score);
            var hasBad = result.Contributions.Any(c => c.Polarity == Polarity.Bad);
            return result.Score is >= 0 and <= 200
                && result.Level == (byScore.RequiresNoBadRecord && hasBad ? ScoreLevel.Excellent : byScore.Level)
                && result.Reasons.Count <= 4
                && result.Contributions.Count + result.NotCounted.Count == records.Count
                && (!result.Contributions.Any(c => c.CategoryCode == "P-COURT-DISHONEST-ENFORCEE") || result.Score <= 79);
        }).Check(Runs);
    }

    [Fact]
    public void TheStoredScore_IsTheExplainedScoreWithoutItsTexts()
    {
        // ComputeStored skips the rule texts and the records that do not count; everything it keeps must be what Compute says.
        Prop.ForAll(RecordSets(AllCategories).ToArbitrary(), Gen.Choose(-400, 400).ToArbitrary(), (records, days) =>
            ScoreEngine.ComputeStored(records, Model, AsOf.AddDays(days)).ToJson()
                == StoredExplanation.Of(ScoreEngine.Compute(records, Model, AsOf.AddDays(days))).ToJson()).Check(Runs);
    }

    [Fact]
    public void AddingAGoodRecord_NeverLowersTheScore()
    {
        Prop.ForAll(RecordSets(AllCategories).ToArbitrary(), RecordOf(Good).ToArbitrary(), (records, good) =>
            ScoreOf([.. records, good with { Id = 1000 }]) >= ScoreOf(records)).Check(Runs);
    }

    [Fact]
    public void AddingABadRecord_NeverRaisesTheScore()
    {
        Prop.ForAll(RecordSets(AllCategories).ToArbitrary(), RecordOf(Bad).ToArbitrary(), (records, bad) =>
            ScoreOf([.. records, bad with { Id = 1000 }]) <= ScoreOf(records)).Check(Runs);
    }

    [Fact]
    public void TheSameActFromTwoUnits_CountsOnce()
    {
        // A second report of an act already on file: the same category, date and fields under another unit's record id.
        // (An act is known by its date, or by its case number where the model names one; records without either cannot be matched.)
        var withCopy =
            from records in RecordSets(AllCategories)
            from act in RecordOf(AllCategories).Where(r => r.ActDate is not null)
            from at in Gen.Choose(0, 20)
            select (Records: Insert(records, Math.Min(at, records.Count), act with { Id = 500 }), Copy: act with { Id = 2000 });
        Prop.ForAll(withCopy.ToArbitrary(), input =>
        {
            var once = ScoreEngine.Compute(input.Records, Model, AsOf);
            var twice = ScoreEngine.Compute([.. input.Records, input.Copy], Model, AsOf);
            return twice.Score == once.Score && twice.Level == once.Level
                && twice.Contributions.Sum(c => c.Points) == once.Contributions.Sum(c => c.Points)
                && twice.NotCounted.Any(e => e.RecordId is 500 or 2000);
        }).Check(Runs);
    }

    [Fact]
    public void TheOrderOfTheRecords_DoesNotMatter()
    {
        var shuffled =
            from records in RecordSets(AllCategories)
            from order in Gen.Shuffle(records.ToArray())
            select (records, order);
        Prop.ForAll(shuffled.ToArbitrary(), input =>
            JsonSerializer.Serialize(ScoreEngine.Compute(input.order, Model, AsOf)) == JsonSerializer.Serialize(ScoreEngine.Compute(input.records, Model, AsOf)))
            .Check(Runs);
    }
}
