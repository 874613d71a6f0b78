using Shangding.Core.Catalog;
using Shangding.Core.Scoring;
using static Shangding.Core.Tests.Scoring.Records;

namespace Shangding.Core.Tests.Scoring;

public sealed class StoredExplanationTests
{
    private static readonly ScoreModel Model = ShippedModelTests.Model;

    private static StoredExplanation Sample() => ScoreEngine.ComputeStored(
        [Volunteer(1, "2025-05-01", "省级"), Blood(2, "2025-06-01", 4), CreditDefault(3, "2025-09-01"), Dishonest(4, null)],
        Model, D("2026-03-01"));

    [Fact]
    public void TheStoredForm_WritesRecordsAndDimensionsAsArrays_AndChineseAsItIs_AndReadsBackTheSame()
    {
        var stored = Sample();

        var json = stored.ToJson();

        json.ShouldContain("""[1,"P-VOLUNTEER",8,"2028-05-01"]""");
        json.ShouldContain("""[4,"P-COURT-DISHONEST-ENFORCEE",-30,null]""");
        json.ShouldContain("""["LawCompliance",-40,0,40,null]""");
        json.ShouldContain("""["Honour",0,0,0,30]""");
        json.ShouldContain("失信被执行人");
        json.ShouldNotContain("\\u");
        var back = StoredExplanation.FromJson(json)!;
        back.ToJson().ShouldBe(json);
        back.Contributions.ShouldBe(stored.Contributions);
        back.Dimensions.ShouldBe(stored.Dimensions);
        back.Reasons.ShouldBe(stored.Reasons);
        (back.Score, back.Level, back.ModelVersion, back.AsOf).ShouldBe((stored.Score, stored.Level, stored.ModelVersion, stored.AsOf));
    }

    [Fact]
    public void ExplanationsStoredBefore_InTheObjectForm_AreStillRead()
    {
        const string earlier = """
            {"modelVersion":"2026.1","asOf":"2026-12-01","score":116,"level":"Good",
             "dimensions":[{"dimension":"Honour","points":3,"gained":3,"lost":0,"cap":30},{"dimension":"LawCompliance","points":-10,"gained":0,"lost":10}],
             "contributions":[{"recordId":4693,"categoryCode":"P-HONOUR","points":3,"stopsOn":"2028-05-15"},{"recordId":4685,"categoryCode":"P-CREDIT-DEFAULT","points":-10}],
             "reasons":[{"kind":"BadRecord","points":10,"textZh":"\u4FE1\u8D37\u8FDD\u7EA6\u8BB0\u5F55\u6263 10 \u5206","textEn":"Credit default record takes 10 points"}]}
            """;

        var read = StoredExplanation.FromJson(earlier)!;

        read.Score.ShouldBe(116);
        read.Dimensions.ShouldBe([new DimensionSubtotal(ScoreDimension.Honour, 3, 3, 0, 30), new DimensionSubtotal(ScoreDimension.LawCompliance, -10, 0, 10, null)]);
        read.Contributions.ShouldBe([new StoredContribution(4693, "P-HONOUR", 3, D("2028-05-15")), new StoredContribution(4685, "P-CREDIT-DEFAULT", -10, null)]);
        read.Reasons.Single().TextZh.ShouldBe("信贷违约记录扣 10 分");
    }

    [Theory]
    [InlineData("""{"dimensions":[["Nowhere",0,0,0,null]]}""")]
    [InlineData("""{"contributions":[[1,"P-VOLUNTEER","eight",null]]}""")]
    [InlineData("""{"contributions":[[1,"P-VOLUNTEER",8,null,"extra"]]}""")]
    public void AMalformedArray_IsRefused(string json)
    {
        Should.Throw<System.Text.Json.JsonException>(() => StoredExplanation.FromJson(json));
    }
}
