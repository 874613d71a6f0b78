using Shangding.Core.Catalog;

namespace Shangding.Core.Tests.Catalog;

public sealed class RealCatalogTests(RealCatalog real) : IClassFixture<RealCatalog>
{
    private readonly CatalogDefinition _catalog = real.Definition;

    private static readonly string[] RatedHonourFields = ["姓名", "证件类型", "证件号码", "评定时间", "评定部门", "荣誉等级"];
    private static readonly string[] UtilityFields =
        ["欠费人姓名", "证件类型", "证件号码", "用户地址", "欠费开始日期", "欠费统计截止日期", "欠费量", "欠费金额", "认定部门", "认定日期", "备注"];
    private static readonly string[] CourtFields =
        ["案号", "案由", "执行法院名称", "立案执行标的", "被执行人姓名", "被执行人证件类型", "被执行人证件号码", "执行案件状态"];

    public static TheoryData<string, string, string[]> Seed000Categories() => new()
    {
        // 加分表
        { "P-VOLUNTEER", "CIVILISATION-OFFICE", RatedHonourFields },
        { "P-BLOOD-DONATION", "HEALTH-COMMISSION", ["姓名", "证件类型", "证件号码", "献血地点", "献血日期", "发证单位", "献血次数"] },
        { "P-MARROW-DONATION", "HEALTH-COMMISSION", ["姓名", "证件类型", "证件号码", "捐献地点", "捐献日期", "发证单位"] },
        { "P-HEROIC-ACT", "PUBLIC-SECURITY", RatedHonourFields },
        { "P-CIVILISED-FAMILY", "CIVILISATION-OFFICE", RatedHonourFields },
        { "P-MARCH-8-RED-BANNER", "WOMENS-FEDERATION", RatedHonourFields },
        { "P-MODEL-WORKER", "TRADE-UNION", RatedHonourFields },
        { "P-MORAL-MODEL-CITIZEN", "CIVILISATION-OFFICE", RatedHonourFields },
        { "P-MORAL-MODEL-YOUTH", "CIVILISATION-OFFICE", RatedHonourFields },
        { "P-INTEGRITY-STAR", "CIVILISATION-OFFICE", RatedHonourFields },
        { "P-HONOUR", "INDUSTRY-DEPTS", ["姓名", "证件类型", "证件号码", "荣誉名称", "荣誉等级", "评(认)定单位", "评(认)定日期"] },

        // 减分表
        { "P-CREDIT-DEFAULT", "PBOC-ZHENGZHOU", ["姓名", "证件类型", "证件号码", "违约日期", "违约金额"] },
        { "P-ARREARS-WATER", "WATER-SUPPLY", UtilityFields },
        { "P-ARREARS-POWER", "POWER-SUPPLY", UtilityFields },
        { "P-ARREARS-GAS", "CR-GAS", UtilityFields },
        { "P-ARREARS-HEAT", "HEATING", UtilityFields },
        { "P-ARREARS-CHINA-MOBILE", "CHINA-MOBILE-ZZ", UtilityFields },
        { "P-ARREARS-CHINA-UNICOM", "CHINA-UNICOM-ZZ", UtilityFields },
        { "P-TAX-ARREARS", "TAX-BUREAU", ["姓名", "证件类型", "证件号码", "欠税税种", "欠税余额", "失信严重程度", "失信行为有效期", "主管税务机关", "截止日期"] },
        { "P-TRAFFIC-VIOLATION", "PUBLIC-SECURITY", ["姓名", "证件类型", "证件号码", "车牌号", "车辆号牌种类", "违章时间", "违章地点", "违章行为", "扣分记录", "处罚（理）结果"] },
        { "P-EXAM-CHEATING", "EDUCATION-BUREAU", ["姓名", "证件类型", "证件号码", "处理时间", "处理部门", "处理结果"] },
        { "P-COURT-ENFORCEE", "INTERMEDIATE-COURT", CourtFields },
        { "P-COURT-DISHONEST-ENFORCEE", "INTERMEDIATE-COURT", CourtFields },
        { "P-CRIMINAL-JUDGEMENT", "INTERMEDIATE-COURT", CourtFields },
    };

    [Fact]
    public void Load_ReadsTheRepositoryCatalogue_WithVersionUnitsAndCategories()
    {
        _catalog.Version.ShouldNotBeNullOrWhiteSpace();
        _catalog.Units.Count.ShouldBeGreaterThan(20);
        _catalog.Categories.Count.ShouldBe(47);
        _catalog.IdTypes.ShouldContain("居民身份证");
    }

    [Theory]
    [MemberData(nameof(Seed000Categories))]
    public void Load_HasEverySeed000Category_WithExactlyTheFieldsOfItsTable(string code, string unit, string[] fieldsZh)
    {
        var category = _catalog.Find(code).ShouldNotBeNull();
        category.Fields.Select(f => f.NameZh).ShouldBe(fieldsZh);
        category.ResponsibleUnits.ShouldContain(unit);
        category.CollectionCycle.ShouldBe(CollectionCycles.Realtime);
        category.SubjectKind.ShouldBe(SubjectKind.Person);
        category.Source.ShouldStartWith("000 ");
    }

    [Fact]
    public void Load_CountsCategoriesBySeed()
    {
        var bySeed = _catalog.Categories.GroupBy(c => c.Source[..3]).ToDictionary(g => g.Key, g => g.Count());
        bySeed["000"].ShouldBe(24);
        bySeed["003"].ShouldBe(13);
        bySeed["004"].ShouldBe(10);
        _catalog.Categories.Count(c => c.Source.StartsWith("000 加分表", StringComparison.Ordinal)).ShouldBe(11);
        _catalog.Categories.Count(c => c.Source.StartsWith("000 减分表", StringComparison.Ordinal)).ShouldBe(13);
    }

    [Fact]
    public void Seed000Categories_CoverEveryCategoryOfSeed000()
    {
        var expected = Seed000Categories().Select(row => row.Data.Item1).Order(StringComparer.Ordinal);
        _catalog.Categories.Where(c => c.Source.StartsWith("000 ", StringComparison.Ordinal)).Select(c => c.Code).Order(StringComparer.Ordinal)
            .ShouldBe(expected);
    }

    [Fact]
    public void TaxArrears_IsReportedByBothTaxBureaus_AndKeepsItsArrearsBalance()
    {
        var category = _catalog.Find("P-TAX-ARREARS").ShouldNotBeNull();
        category.ResponsibleUnits.ShouldBe(["TAX-BUREAU", "AIRPORT-ZONE-TAX"]);
        category.FindField("arrears_balance").ShouldNotBeNull().Type.ShouldBe(FieldType.Money);
        category.FindField("dishonesty_severity").ShouldNotBeNull().AllowedValues.ShouldBe(["一般", "较重", "严重"]);
    }

    [Fact]
    public void ReconstructedGarbledRows_HaveTheirUnitsAndTypes()
    {
        var traffic = _catalog.Find("P-TRAFFIC-VIOLATION").ShouldNotBeNull();
        traffic.FindField("plate_number").ShouldNotBeNull().Type.ShouldBe(FieldType.PlateNumber);
        traffic.FindField("plate_kind").ShouldNotBeNull().AllowedValues.ShouldContain("小型汽车");
        traffic.FindField("violated_at").ShouldNotBeNull().Type.ShouldBe(FieldType.DateTime);
        traffic.Severity.ShouldBe(Severity.Minor);
        traffic.IsLicenceOrPenalty.ShouldBeTrue();

        _catalog.CategoriesOfUnit("CHINA-UNICOM-ZZ").Select(c => c.Code).ShouldBe(["P-ARREARS-CHINA-UNICOM"]);
        _catalog.CategoriesOfUnit("CIVILISATION-OFFICE").Select(c => c.Code)
            .ShouldBe(["P-VOLUNTEER", "P-CIVILISED-FAMILY", "P-MORAL-MODEL-CITIZEN", "P-MORAL-MODEL-YOUTH", "P-INTEGRITY-STAR", "P-EPIDEMIC-VOLUNTEER"], ignoreOrder: true);
        _catalog.CategoriesOfUnit("INTERMEDIATE-COURT").Count().ShouldBe(7);
    }

    [Fact]
    public void CourtCategories_HaveSeverityClassAndQueryBodies()
    {
        var dishonest = _catalog.Find("P-COURT-DISHONEST-ENFORCEE").ShouldNotBeNull();
        dishonest.Severity.ShouldBe(Severity.Serious);
        dishonest.InfoClass.ShouldBe(InfoClass.A);
        dishonest.ActDateField.ShouldBeNull();
        dishonest.FindField("case_status").ShouldNotBeNull().AllowedValues.ShouldContain("终结本次执行程序");

        var criminal = _catalog.Find("P-CRIMINAL-JUDGEMENT").ShouldNotBeNull();
        criminal.InfoClass.ShouldBe(InfoClass.C);
        criminal.CQueryBodies.ShouldContain("PROCURATORATE");
        criminal.SubjectNameField.ShouldBe("name");
        criminal.FindField("name").ShouldNotBeNull().NameZh.ShouldBe("被执行人姓名");
    }

    [Fact]
    public void EveryCategory_IdentifiesItsSubjectWithRequiredFields()
    {
        foreach (var category in _catalog.Categories)
        {
            category.FindField(category.SubjectNameField).ShouldNotBeNull(category.Code).Required.ShouldBeTrue();
            var id = category.FindField(category.SubjectIdField).ShouldNotBeNull(category.Code);
            if (category.SubjectKind == SubjectKind.Person)
            {
                id.Type.ShouldBe(FieldType.IdNumber, category.Code);
                category.FindField(category.SubjectIdTypeField).ShouldNotBeNull(category.Code).AllowedValues.ShouldBe(_catalog.IdTypes);
                category.Dimension.ShouldNotBeNull(category.Code);
            }
            else
            {
                id.Type.ShouldBe(FieldType.Uscc, category.Code);
                category.SubjectIdTypeField.ShouldBeEmpty();
                category.Dimension.ShouldBeNull(category.Code);
            }

            (category.Severity is not null).ShouldBe(category.Polarity == Polarity.Bad, category.Code);
            category.SourceFile.ShouldStartWith("catalog/categories/");
        }
    }

    [Fact]
    public void Dimensions_FollowTheDocumentedReading()
    {
        _catalog.Find("P-HONOUR")!.Dimension.ShouldBe(ScoreDimension.Honour);
        _catalog.Find("P-BLOOD-DONATION")!.Dimension.ShouldBe(ScoreDimension.SocialMorality);
        _catalog.Find("P-CIVILISED-FAMILY")!.Dimension.ShouldBe(ScoreDimension.FamilyVirtue);
        _catalog.Find("P-MODEL-WORKER")!.Dimension.ShouldBe(ScoreDimension.ProfessionalEthics);
        _catalog.Categories.Where(c => c.Polarity == Polarity.Bad && c.SubjectKind == SubjectKind.Person)
            .ShouldAllBe(c => c.Dimension == ScoreDimension.LawCompliance);
    }

    [Fact]
    public void OrganisationListsOfSeed004_ArePublicAndIdentifyByUscc()
    {
        var red = _catalog.Find("O-EPIDEMIC-RED-LIST").ShouldNotBeNull();
        var black = _catalog.Find("O-EPIDEMIC-BLACK-LIST").ShouldNotBeNull();
        red.Fields.Select(f => f.NameZh).ShouldBe(["名称", "统一社会信用代码", "具体事项", "认定部门", "认定日期"]);
        black.Fields.Select(f => f.NameZh).ShouldBe(red.Fields.Select(f => f.NameZh));
        (red.InfoClass, black.InfoClass).ShouldBe((InfoClass.A, InfoClass.A));
        (red.Polarity, black.Polarity).ShouldBe((Polarity.Good, Polarity.Bad));
    }

    [Fact]
    public void LicencesAndPenalties_AreFlaggedForTheSevenWorkingDayDeadline()
    {
        _catalog.Find("O-LICENCE")!.IsLicenceOrPenalty.ShouldBeTrue();
        _catalog.Find("O-ADMIN-PENALTY")!.IsLicenceOrPenalty.ShouldBeTrue();
        _catalog.Find("P-VOLUNTEER")!.IsLicenceOrPenalty.ShouldBeFalse();
    }

    [Fact]
    public void FindAndFindUnit_ReturnNullForUnknownCodes()
    {
        _catalog.Find("P-NOPE").ShouldBeNull();
        _catalog.FindUnit("NOPE").ShouldBeNull();
        _catalog.FindUnit("CIVILISATION-OFFICE").ShouldNotBeNull().NameZh.ShouldBe("市文明办");
    }

    [Fact]
    public void ScoreDimensionLabels_AreChineseAndEnglish()
    {
        ScoreDimension.SocialMorality.NameZh().ShouldBe("社会公德");
        ScoreDimension.LawCompliance.NameZh().ShouldBe("法律法规");
        ScoreDimension.Honour.Label().ShouldBe("荣誉信息 (Honours)");
        Enum.GetValues<ScoreDimension>().Select(d => d.NameEn()).ShouldBeUnique();
    }
}
