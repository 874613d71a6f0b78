using Shangding.Core.Catalog;
using Shangding.Core.Scoring;
using Shangding.Testing;

namespace Shangding.Core.Tests.Scoring;

public sealed class ShippedModelTests
{
    internal static ScoreModel Model { get; } = ScoreModelLoader.LoadLatest(RepoPaths.Catalog, TestPlatform.Catalog);

    [Fact]
    public void ShippedModel_Loads_WithBase100AndRange0To200()
    {
        Model.Version.ShouldBe("2026.1");
        Model.Base.ShouldBe(100);
        Model.Min.ShouldBe(0);
        Model.Max.ShouldBe(200);
        Model.SourceFile.ShouldBe("catalog/models/2026.1.yaml");
        Model.Levels.Select(l => (l.Level, l.Min)).ShouldBe(
        [
            (ScoreLevel.Outstanding, 150), (ScoreLevel.Excellent, 120), (ScoreLevel.Good, 100),
            (ScoreLevel.MinorDishonesty, 80), (ScoreLevel.Poor, 0),
        ]);
        Model.Level(ScoreLevel.Outstanding).RequiresNoBadRecord.ShouldBeTrue();
    }

    [Fact]
    public void ShippedModel_CoversEveryPersonCategory()
    {
        foreach (var category in TestPlatform.Catalog.Categories.Where(c => c.SubjectKind == SubjectKind.Person))
        {
            var rule = Model.Find(category.Code).ShouldNotBeNull(category.Code);
            rule.Dimension.ShouldBe(category.Dimension!.Value);
        }
    }

    [Fact]
    public void ShippedModel_GradesHonoursByLevel_AndArrearsByAmountAndDuration()
    {
        var volunteer = Model.Find("P-VOLUNTEER").ShouldNotBeNull().Grades.Single().ShouldBeOfType<LevelGrade>();
        volunteer.Points.Select(p => p.Key).ShouldBe(["区县级", "市级", "省级", "国家级"]);
        var water = Model.Find("P-ARREARS-WATER").ShouldNotBeNull();
        water.Grades.OfType<BandGrade>().Single().Field.ShouldBe("arrears_amount");
        water.Grades.OfType<DaysGrade>().Single().FromField.ShouldBe("arrears_from");
        Model.Find("P-ARREARS-GAS").ShouldNotBeNull().Grades.Count.ShouldBe(2);
        Model.Overrides.Single().CategoryCode.ShouldBe("P-COURT-DISHONEST-ENFORCEE");
    }
}
