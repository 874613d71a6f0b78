using Shangding.Core.Catalog;
using Shangding.Core.Scoring;
using Shangding.Testing;

namespace Shangding.Core.Tests.Scoring;

public sealed class ScoreModelLoaderRefusalTests : IDisposable
{
    private static readonly string Shipped = File.ReadAllText(Path.Combine(RepoPaths.Catalog, "models", "2026.1.yaml")).ReplaceLineEndings("\n");

    private readonly string _root = Path.Combine(Path.GetTempPath(), "shangding-model-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private CatalogLoadException Fails(string yaml)
    {
        var folder = Path.Combine(_root, "catalog", "models");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "draft.yaml");
        File.WriteAllText(path, yaml);
        return Should.Throw<CatalogLoadException>(() => ScoreModelLoader.Load(path, TestPlatform.Catalog));
    }

    private static string Replace(string from, string to)
    {
        Shipped.ShouldContain(from);
        return Shipped.Replace(from, to, StringComparison.Ordinal);
    }

    private static int LineOf(string yaml, string text) => yaml[..yaml.IndexOf(text, StringComparison.Ordinal)].Count(c => c == '\n') + 1;

    [Fact]
    public void Load_RefusesUnknownCategory_NamingFileAndLine()
    {
        var yaml = Replace("  P-MARROW-DONATION:\n", "  P-NO-SUCH-THING:\n    points: 1\n  P-MARROW-DONATION:\n");

        var ex = Fails(yaml);

        ex.Message.ShouldStartWith($"catalog/models/draft.yaml:{LineOf(yaml, "P-NO-SUCH-THING")}:");
        ex.Message.ShouldContain("unknown category 'P-NO-SUCH-THING'");
    }

    [Fact]
    public void Load_RefusesAModelMissingAPersonCategory()
    {
        var ex = Fails(Replace("  P-EXAM-CHEATING:\n    cap: 10\n", string.Empty));

        ex.Message.ShouldContain("catalog/models/draft.yaml:");
        ex.Message.ShouldContain("person categories not covered by the model: P-EXAM-CHEATING");
    }

    [Fact]
    public void Load_AcceptsAnExplicitlyUnscoredCategory()
    {
        var folder = Path.Combine(_root, "catalog", "models");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "draft.yaml");
        File.WriteAllText(path, Replace("  P-EXAM-CHEATING:\n    cap: 10\n", "  P-EXAM-CHEATING:\n    scored: false\n"));

        var model = ScoreModelLoader.Load(path, TestPlatform.Catalog);

        model.Find("P-EXAM-CHEATING").ShouldNotBeNull().Scored.ShouldBeFalse();
        ScoreEngine.Compute([new ScoringRecord(1, "P-EXAM-CHEATING", new DateOnly(2026, 1, 1), ScoringStatus.InForce, new Dictionary<string, string>())], model, new DateOnly(2026, 2, 1))
            .NotCounted.Single().Reason.ShouldBe(ExclusionReason.NotScored);
    }

    [Fact]
    public void Load_RefusesLevelBoundsOutOfOrder()
    {
        var yaml = Replace("{level: excellent, zh: 信用优秀, en: Excellent, min: 120}", "{level: excellent, zh: 信用优秀, en: Excellent, min: 160}");

        var ex = Fails(yaml);

        ex.Message.ShouldStartWith($"catalog/models/draft.yaml:{LineOf(yaml, "min: 160")}:");
        ex.Message.ShouldContain("bad level bounds");
    }

    [Fact]
    public void Load_RefusesALowestLevelAboveTheBottomOfTheRange()
    {
        Fails(Replace("{level: poor, zh: 信用较差, en: Poor, min: 0}", "{level: poor, zh: 信用较差, en: Poor, min: 10}"))
            .Message.ShouldContain("the lowest level must start at the bottom of the range (0)");
    }

    [Fact]
    public void Load_RefusesOverlappingBands_NamingFileAndLine()
    {
        var yaml = Replace("{from: 3, to: 10, points: 5}", "{from: 2, to: 10, points: 5}");

        var ex = Fails(yaml);

        ex.Message.ShouldContain($"catalog/models/draft.yaml:{LineOf(yaml, "{from: 2, to: 10")}:");
        ex.Message.ShouldContain("overlapping bands");
        ex.Message.ShouldContain("P-BLOOD-DONATION");
    }

    [Fact]
    public void Load_RefusesGapsBetweenBands()
    {
        Fails(Replace("{from: 3, to: 10, points: 5}", "{from: 4, to: 10, points: 5}")).Message.ShouldContain("gap between bands");
    }

    [Fact]
    public void Load_RefusesAHigherHonourLevelWeighingLess()
    {
        Fails(Replace("P-VOLUNTEER:\n    grades: [{field: honour_level, points: {区县级: 3, 市级: 5,", "P-VOLUNTEER:\n    grades: [{field: honour_level, points: {区县级: 6, 市级: 5,"))
            .Message.ShouldContain("'市级' ranks above '区县级' and must weigh at least as much");
    }

    [Fact]
    public void Load_RefusesAGoodCategoryTakingPoints()
    {
        Fails(Replace("  P-MARROW-DONATION:\n    points: 15", "  P-MARROW-DONATION:\n    points: -15"))
            .Message.ShouldContain("a good category cannot take points");
    }

    [Fact]
    public void Load_RefusesAnOverrideScoreOutsideItsLevel()
    {
        Fails(Replace("max_score: 79", "max_score: 85")).Message.ShouldContain("max_score 85 is not within level poor");
    }

    [Fact]
    public void Load_RefusesUnknownKeys()
    {
        Fails(Replace("  P-TRAFFIC-VIOLATION:\n    points: -2", "  P-TRAFFIC-VIOLATION:\n    pionts: -2"))
            .Message.ShouldContain("unknown key 'pionts'");
    }
}
