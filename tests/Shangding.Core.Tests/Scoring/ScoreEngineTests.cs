using System.Text.Json;
using Shangding.Core.Catalog;
using Shangding.Core.Scoring;
using static Shangding.Core.Tests.Scoring.Records;

namespace Shangding.Core.Tests.Scoring;

public sealed class ScoreEngineTests
{
    private static readonly ScoreModel Model = ShippedModelTests.Model;
    private static readonly DateOnly AsOf = D("2026-03-01");

    private static ScoreResult Score(DateOnly asOf, params ScoringRecord[] records) => ScoreEngine.Compute(records, Model, asOf);

    private static ScoreResult Score(params ScoringRecord[] records) => Score(AsOf, records);

    [Fact]
    public void NoRecords_Gives100_Good_AndSaysNoGoodRecordCounts()
    {
        var result = Score();

        result.Score.ShouldBe(100);
        result.Level.ShouldBe(ScoreLevel.Good);
        result.LevelZh.ShouldBe("信用良好");
        result.ModelVersion.ShouldBe("2026.1");
        result.Dimensions.Count.ShouldBe(5);
        result.Reasons.Single().Kind.ShouldBe(ReasonKind.NoGoodRecord);
    }

    [Theory]
    [InlineData("区县级", 103)]
    [InlineData("市级", 105)]
    [InlineData("省级", 108)]
    [InlineData("国家级", 112)]
    public void Honour_GivesPointsByLevel(string level, int expected)
    {
        var result = Score(Volunteer(1, "2025-05-01", level));

        result.Score.ShouldBe(expected);
        var contribution = result.Contributions.Single();
        contribution.Dimension.ShouldBe(ScoreDimension.SocialMorality);
        contribution.StopsOn.ShouldBe(D("2028-05-01"));
        contribution.RuleZh.ShouldContain(level);
    }

    [Fact]
    public void BloodDonation_GivesPointsByCountBand()
    {
        Score(Blood(1, "2025-05-01", 1)).Score.ShouldBe(103);
        Score(Blood(1, "2025-05-01", 4)).Score.ShouldBe(105);
        Score(Blood(1, "2025-05-01", 12)).Score.ShouldBe(108);
    }

    [Fact]
    public void CategoryCap_LimitsRepeatedHonours_AndIsAReason()
    {
        var result = Score(Volunteer(1, "2025-01-01", "国家级"), Volunteer(2, "2025-02-01", "国家级"), Volunteer(3, "2025-03-01", "国家级"));

        result.Score.ShouldBe(115);
        result.Contributions.Sum(c => c.Points).ShouldBe(15);
        var reason = result.Reasons.ShouldHaveSingleItem();
        reason.Kind.ShouldBe(ReasonKind.CategoryCap);
        reason.Points.ShouldBe(21);
        reason.TextZh.ShouldBe("志愿者已达上限 15 分");
    }

    [Fact]
    public void DimensionCap_LimitsADimension_AndIsAReason()
    {
        var result = Score(
            Honour(1, "P-HEROIC-ACT", "2025-01-01", "国家级"),
            Volunteer(2, "2025-02-01", "国家级"),
            Make(3, "P-MARROW-DONATION", "2025-03-01"));

        result.Score.ShouldBe(140);
        result.Dimensions.Single(d => d.Dimension == ScoreDimension.SocialMorality).Points.ShouldBe(40);
        result.Reasons.ShouldContain(r => r.TextZh == "社会公德已达上限 40 分" && r.Points == 7);
    }

    [Fact]
    public void HonourDimension_CapsAt30_AsPublished()
    {
        var result = Score(Honour(1, "P-HONOUR", "2025-01-01", "国家级"), Honour(2, "P-HONOUR", "2025-02-01", "国家级"),
            Honour(3, "P-EPIDEMIC-COMMENDATION", "2025-03-01", "国家级"));

        result.Score.ShouldBe(130);
        result.Reasons.ShouldContain(r => r.TextZh == "荣誉信息已达上限 30 分");
    }

    [Fact]
    public void GoodRecord_CountsThreeYearsFromItsActDate()
    {
        var record = Volunteer(1, "2023-01-10");

        Score(D("2026-01-09"), record).Score.ShouldBe(105);
        var after = Score(D("2026-01-10"), record);
        after.Score.ShouldBe(100);
        after.NotCounted.Single().Reason.ShouldBe(ExclusionReason.GoodPeriodOver);
        after.NotCounted.Single().Since.ShouldBe(D("2026-01-10"));
    }

    [Fact]
    public void MinorBadRecord_CountsUntilTheEndOfItsPublicationPeriod()
    {
        var record = Traffic(1, "2026-01-15");

        var during = Score(D("2026-04-14"), record);
        during.Score.ShouldBe(98);
        during.Level.ShouldBe(ScoreLevel.MinorDishonesty);
        during.Contributions.Single().StopsOn.ShouldBe(D("2026-04-15"));
        during.Reasons[0].TextZh.ShouldBe("交通违法（违章）信息记录扣 2 分，至 2026-04-15 不再计算");

        var after = Score(D("2026-04-15"), record);
        after.Score.ShouldBe(100);
        after.NotCounted.Single().Reason.ShouldBe(ExclusionReason.PublicationOver);
    }

    [Fact]
    public void GeneralBadRecord_CountsOneYear_AndRecordsOwnPublicationEndWins()
    {
        var record = CreditDefault(1, "2025-06-01");
        Score(D("2026-05-31"), record).Score.ShouldBe(90);
        Score(D("2026-06-01"), record).Score.ShouldBe(100);

        var shortened = record with { PublicationEnd = D("2025-12-31") };
        Score(D("2025-12-31"), shortened).Score.ShouldBe(90);
        Score(D("2026-01-01"), shortened).NotCounted.Single().Reason.ShouldBe(ExclusionReason.PublicationOver);
    }

    [Fact]
    public void BadRecord_NeverCountsAfterFiveYears_EvenWithALaterPublicationEnd()
    {
        var record = Dishonest(1, "2020-01-01") with { PublicationEnd = D("2030-01-01") };

        Score(D("2024-12-31"), record).Score.ShouldBe(70);
        var after = Score(D("2025-01-01"), record);
        after.Score.ShouldBe(100);
        after.NotCounted.Single().Reason.ShouldBe(ExclusionReason.RetentionOver);
    }

    [Theory]
    [InlineData(ScoringStatus.Repaired, ExclusionReason.Repaired)]
    [InlineData(ScoringStatus.Withdrawn, ExclusionReason.Withdrawn)]
    [InlineData(ScoringStatus.Expired, ExclusionReason.Expired)]
    public void RecordNotInForce_DoesNotCount(ScoringStatus status, ExclusionReason reason)
    {
        var result = Score(CreditDefault(1, "2026-01-01") with { Status = status });

        result.Score.ShouldBe(100);
        result.NotCounted.Single().Reason.ShouldBe(reason);
    }

    [Fact]
    public void SameActFromTwoUnits_CountsOnceAtTheHighestValue()
    {
        var result = Score(
            Honour(1, "P-MORAL-MODEL-CITIZEN", "2025-09-10", "市级"),
            Honour(2, "P-INTEGRITY-STAR", "2025-09-10", "省级"));

        result.Score.ShouldBe(110);
        result.Contributions.Single().RecordId.ShouldBe(2);
        var superseded = result.NotCounted.Single();
        superseded.RecordId.ShouldBe(1);
        superseded.Reason.ShouldBe(ExclusionReason.SameAct);
        superseded.SupersededBy.ShouldBe(2);
    }

    [Fact]
    public void SameCategoryOnDifferentDates_AreDifferentActs()
    {
        Score(Honour(1, "P-MORAL-MODEL-CITIZEN", "2025-09-10", "市级"), Honour(2, "P-INTEGRITY-STAR", "2025-10-10", "市级"))
            .Score.ShouldBe(112);
    }

    [Fact]
    public void CourtListings_OfOneCase_CountOnce()
    {
        var result = Score(
            Make(1, "P-COURT-ENFORCEE", null, ("case_number", "(2025)豫01执7号")),
            Dishonest(2, null, "(2025)豫01执7号"));

        result.Contributions.Single().RecordId.ShouldBe(2);
        result.Score.ShouldBe(70);
    }

    [Fact]
    public void ASecondReportOfACase_UnderACategoryAtItsCap_DoesNotRaiseTheScore()
    {
        // Found by the property test: two listings as a dishonest enforcee reach that category's cap
        // of 60; a criminal judgement of a third case takes another 30. A listing of that third case
        // is the same act: were it to count instead of the judgement, the cap would cut it to 0.
        ScoringRecord Judgement(long id, string caseNumber) => Make(id, "P-CRIMINAL-JUDGEMENT", null, ("case_number", caseNumber));
        ScoringRecord[] before = [Dishonest(1, null, "(2025)豫01执1号"), Dishonest(2, null, "(2025)豫01执2号"), Judgement(3, "(2025)豫01刑3号")];

        var once = Score(before);
        var twice = Score([.. before, Dishonest(4, null, "(2025)豫01刑3号")]);

        once.Score.ShouldBe(10);
        twice.Score.ShouldBe(once.Score);
        twice.Contributions.Select(c => c.RecordId).Order().ShouldBe([1, 2, 3]);
        var superseded = twice.NotCounted.ShouldHaveSingleItem();
        superseded.RecordId.ShouldBe(4);
        superseded.Reason.ShouldBe(ExclusionReason.SameAct);
        superseded.SupersededBy.ShouldBe(3);
    }

    [Fact]
    public void RepeatedBadRecordWithinTwelveMonths_WeighsOneAndAHalfTimes()
    {
        var result = Score(D("2026-03-01"), CreditDefault(1, "2025-06-01"), CreditDefault(2, "2025-12-01"));

        // -10 and -15 by the rule; the category cap of 20 keeps -20 of them.
        result.Contributions.Select(c => c.RawPoints).Order().ShouldBe([-15, -10]);
        result.Score.ShouldBe(80);
        result.Level.ShouldBe(ScoreLevel.MinorDishonesty);
        result.Contributions.Single(c => c.RecordId == 2).RuleZh.ShouldContain("×1.5");
    }

    [Fact]
    public void ArrearsAreGradedByAmountAndDuration()
    {
        // -3 base, -5 for 2,500 yuan, -2 for 212 days.
        var result = Score(Arrears(1, "2025-09-01", "2500.00", "2025-01-01", "2025-08-01"));

        result.Score.ShouldBe(90);
        result.Contributions.Single().RuleZh.ShouldContain("持续 212 天 -2");
        Score(Arrears(1, "2025-09-01", "120", "2025-07-01", "2025-08-01")).Score.ShouldBe(97);
    }

    [Fact]
    public void DishonestEnforcee_PutsThePersonInPoor_WhateverTheGoodRecords()
    {
        var records = ManyGood("2025-05-01");
        records.Add(Dishonest(1, "2025-10-01"));

        var result = ScoreEngine.Compute(records, Model, AsOf);

        result.Score.ShouldBe(79);
        result.Level.ShouldBe(ScoreLevel.Poor);
        result.Reasons[0].Kind.ShouldBe(ReasonKind.Override);
        result.Reasons[0].TextZh.ShouldContain("信用较差");
        // Good records fill every dimension cap: 100 + 107 - 30 = 177 before the override.
        result.Reasons[0].Points.ShouldBe(177 - 79);
    }

    [Fact]
    public void ScoreOf150OrMore_WithABadRecordInEffect_IsNotOutstanding()
    {
        var records = ManyGood("2025-05-01");
        records.Add(Traffic(1, "2026-02-01"));

        var result = ScoreEngine.Compute(records, Model, AsOf);

        // 100 + 107 - 2 is clamped to 200.
        result.Score.ShouldBe(200);
        result.Level.ShouldBe(ScoreLevel.Excellent);
        result.Reasons[0].Kind.ShouldBe(ReasonKind.TopLevelBlocked);

        var clean = ScoreEngine.Compute(ManyGood("2025-05-01"), Model, AsOf);
        clean.Score.ShouldBe(200);
        clean.Level.ShouldBe(ScoreLevel.Outstanding);
    }

    [Fact]
    public void SingleMinorTrafficViolation_DoesNotDropAPersonWithAGoodRecordBelow100()
    {
        Score(Volunteer(1, "2025-05-01", "区县级"), Traffic(2, "2026-02-01")).Score.ShouldBeGreaterThanOrEqualTo(100);
        Score(Blood(1, "2025-05-01", 1), Traffic(2, "2026-02-01")).Level.ShouldBe(ScoreLevel.Good);
    }

    [Fact]
    public void KeyReasons_AreRankedByPointsLostOrMissed_AtMostFour()
    {
        var result = Score(
            Traffic(1, "2026-02-01"),
            Arrears(2, "2025-09-01", "2500", "2025-01-01", "2025-08-01"),
            CreditDefault(3, "2025-07-01"),
            Make(4, "P-EXAM-CHEATING", "2025-11-01"),
            Volunteer(5, "2025-01-01", "国家级"), Volunteer(6, "2025-02-01", "国家级"));

        result.Reasons.Count.ShouldBe(4);
        result.Reasons.Select(r => r.Points).ShouldBe([10, 10, 10, 9]);
        result.Reasons.Select(r => r.Kind).ShouldBe([ReasonKind.BadRecord, ReasonKind.BadRecord, ReasonKind.BadRecord, ReasonKind.CategoryCap]);
        result.Reasons.ShouldContain(r => r.TextZh == "拖欠公用事业费用信息（水费）记录扣 10 分，至 2026-09-01 不再计算");
    }

    [Fact]
    public void FutureRecord_DoesNotCountYet()
    {
        Score(Volunteer(1, "2026-05-01")).NotCounted.Single().Reason.ShouldBe(ExclusionReason.NotYetEffective);
    }

    [Fact]
    public void FromStored_ReadsStatusFieldsAndNumbers()
    {
        var record = ScoringRecord.FromStored(42, "P-BLOOD-DONATION", D("2025-05-01"), "InForce",
            """{"donated_on":"2025-05-01","donation_count":4,"issuing_body":"市中心血站"}""", null, underDispute: true);

        record.Status.ShouldBe(ScoringStatus.InForce);
        record.Fields["donation_count"].ShouldBe("4");
        record.UnderDispute.ShouldBeTrue();
        Score(record).Score.ShouldBe(105);
        ScoringRecord.FromStored(1, "P-X", null, "Repaired", "{}", null, false).Status.ShouldBe(ScoringStatus.Repaired);
        Should.Throw<ArgumentException>(() => ScoringRecord.FromStored(1, "P-X", null, "Lost", "{}", null, false));
    }

    [Fact]
    public void WhatIf_RepairAndMoreDonations_ShowsBeforeAndAfter_WithoutChangingTheInput()
    {
        var records = new List<ScoringRecord> { CreditDefault(1, "2025-10-01"), Blood(2, "2025-05-01", 1) };

        var repaired = ScoreEngine.WhatIf(records, Model, AsOf, [new RepairRecord(1)]);
        repaired.Before.Score.ShouldBe(93);
        repaired.After.Score.ShouldBe(103);
        repaired.Change.ShouldBe(10);
        records[0].Status.ShouldBe(ScoringStatus.InForce);

        var donations = ScoreEngine.WhatIf(records, Model, AsOf,
            [new AddRecord(Blood(-1, "2026-03-01", 2)), new AddRecord(Blood(-2, "2026-03-01", 3) with { CategoryCode = "P-BLOOD-DONATION", ActDate = D("2026-02-28") })]);
        donations.After.Score.ShouldBe(93 + 3 + 5);
    }

    [Fact]
    public void MixedPerson_MatchesAHandCalculation()
    {
        // Volunteer 市级 +5; blood 4 donations +5; moral model 省级 +10 (integrity star 市级 +6 the same day superseded);
        // traffic -2; gas arrears 800 yuan for 100 days: -3 -2 -1 = -6. 100 + 20 - 8 = 112, 信用良好.
        var result = Score(
            Volunteer(1, "2025-04-01"),
            Blood(2, "2025-06-01", 4),
            Honour(3, "P-MORAL-MODEL-CITIZEN", "2025-09-10", "省级"),
            Honour(4, "P-INTEGRITY-STAR", "2025-09-10", "市级"),
            Traffic(5, "2026-02-10"),
            Make(6, "P-ARREARS-GAS", "2025-12-01", ("arrears_amount", "800"), ("arrears_from", "2025-08-01"), ("arrears_counted_to", "2025-11-09")));

        result.Score.ShouldBe(112);
        result.Level.ShouldBe(ScoreLevel.Good);
        result.Dimensions.Single(d => d.Dimension == ScoreDimension.SocialMorality).Points.ShouldBe(20);
        result.Dimensions.Single(d => d.Dimension == ScoreDimension.LawCompliance).Lost.ShouldBe(8);
        result.NotCounted.Single().RecordId.ShouldBe(4);
        result.Reasons.Select(r => r.Points).ShouldBe([6, 2]);
    }

    [Fact]
    public void ParseFields_ReadsEveryKindOfValue_AndRefusesWhatIsNotOneObject()
    {
        var fields = ScoringRecord.ParseFields("""{"a":"文本\u0041","n":12.50,"e":1e3,"t":true,"f":false,"z":null,"o":{"x":[1, 2]},"l":[1,"b"],"a2":"x"}""");
        fields["a"].ShouldBe("文本A");
        fields["n"].ShouldBe("12.50");
        fields["e"].ShouldBe("1e3");
        (fields["t"], fields["f"]).ShouldBe(("true", "false"));
        fields.ContainsKey("z").ShouldBeFalse();
        fields["o"].ShouldBe("""{"x":[1, 2]}""");
        fields["l"].ShouldBe("""[1,"b"]""");
        ScoringRecord.ParseFields("  ").Count.ShouldBe(0);
        Should.Throw<ArgumentException>(() => ScoringRecord.ParseFields("[1]"));
        Should.Throw<Exception>(() => ScoringRecord.ParseFields("""{"a":1} {"b":2}"""));
        Should.Throw<Exception>(() => ScoringRecord.ParseFields("""{"a":"""));
    }

    [Fact]
    public void ParseFields_WithASet_KeepsOnlyItsFields_SkippingNestedValues_AndStillRefusesBadJson()
    {
        var only = new HashSet<string>(["n", "\u0062", "a", "k"], StringComparer.Ordinal);
        var fields = ScoringRecord.ParseFields("""{"o":{"a":[1,{"n":2}]},"n":12.50,"l":[1,"b"],"\u0061":"escaped name","z":null}""", only);

        fields.Keys.Order(StringComparer.Ordinal).ShouldBe(["a", "n"]);
        fields["n"].ShouldBe("12.50");
        fields["a"].ShouldBe("escaped name");
        Should.Throw<Exception>(() => ScoringRecord.ParseFields("""{"x":1} {"n":2}""", only));
        Should.Throw<Exception>(() => ScoringRecord.ParseFields("""{"x":[1,""", only));
    }

    [Fact]
    public void ParseFieldArray_ReadsValuesByPosition_LeavingOutNulls()
    {
        var fields = ScoringRecord.ParseFieldArray("""[12.50,"市级",null,{"x":1},1e3,true]""", ["a", "b", "c", "d", "e"]);

        fields.Keys.Order(StringComparer.Ordinal).ShouldBe(["a", "b", "d", "e"]);
        (fields["a"], fields["b"], fields["d"], fields["e"]).ShouldBe(("12.50", "市级", """{"x":1}""", "1e3"));
        ScoringRecord.ParseFieldArray("[]", ["a"]).Count.ShouldBe(0);
        Should.Throw<ArgumentException>(() => ScoringRecord.ParseFieldArray("""{"a":1}""", ["a"]));
    }

    [Fact]
    public void TheShippedModel_ReadsTheFieldsOfItsGradesAndActKeys()
    {
        Model.FieldsRead.Order(StringComparer.Ordinal).ShouldBe(
            ["arrears_amount", "arrears_counted_to", "arrears_from", "case_number", "dishonesty_severity", "donation_count", "honour_level"],
            ignoreOrder: false);
    }

    [Fact]
    public void ScoringOnlyTheFieldsTheModelReads_GivesTheSameScore()
    {
        ScoringRecord[] records = [
            Arrears(1, "2025-10-01", "2500", "2025-01-01", "2025-10-01"),
            Blood(2, "2025-06-01", 4),
            Volunteer(3, "2025-02-01", "省级"),
            Dishonest(4, null),
        ];
        var trimmed = records.Select(r => r with
        {
            Fields = ScoringRecord.ParseFields(System.Text.Json.JsonSerializer.Serialize(r.Fields.Append(new("remarks", "不计分的说明")).ToDictionary()), Model.FieldsRead),
        }).ToArray();

        trimmed.ShouldAllBe(r => !r.Fields.ContainsKey("remarks"));
        ScoreEngine.ComputeStored(trimmed, Model, AsOf).ToJson().ShouldBe(ScoreEngine.ComputeStored(records, Model, AsOf).ToJson());
    }
}
