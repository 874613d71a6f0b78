using Shangding.Testing;
using Shangding.Core.Catalog;

namespace Shangding.Core.Tests.Catalog;

public sealed class ProhibitedDataTests
{
    [Theory]
    [InlineData("血型", ProhibitedDataKind.BloodType)]
    [InlineData("blood_type", ProhibitedDataKind.BloodType)]
    [InlineData("Blood Group", ProhibitedDataKind.BloodType)]
    [InlineData("bloodType", ProhibitedDataKind.BloodType)]
    [InlineData("民族", ProhibitedDataKind.RaceOrEthnicity)]
    [InlineData("race", ProhibitedDataKind.RaceOrEthnicity)]
    [InlineData("宗教信仰", ProhibitedDataKind.Religion)]
    [InlineData("基因检测结果", ProhibitedDataKind.Genes)]
    [InlineData("dna_sample", ProhibitedDataKind.Genes)]
    [InlineData("fingerprint_hash", ProhibitedDataKind.Fingerprints)]
    [InlineData("病史", ProhibitedDataKind.DiseaseOrMedicalHistory)]
    [InlineData("medical_history", ProhibitedDataKind.DiseaseOrMedicalHistory)]
    [InlineData("家庭出身", ProhibitedDataKind.FamilyOrigin)]
    public void Match_FindsAlwaysProhibitedData_EvenWithConsent(string header, ProhibitedDataKind kind)
    {
        var match = ProhibitedData.Match(header, consentRecorded: true).ShouldNotBeNull();

        match.Kind.ShouldBe(kind);
        match.WaivableByConsent.ShouldBeFalse();
        match.ReasonZh.ShouldContain("《郑州市公共信用信息管理暂行办法》第九条");
        match.ReasonEn.ShouldContain("art. 9(");
    }

    [Theory]
    [InlineData("年收入", ProhibitedDataKind.Income)]
    [InlineData("annual_income", ProhibitedDataKind.Income)]
    [InlineData("存款", ProhibitedDataKind.Deposits)]
    [InlineData("有价证券", ProhibitedDataKind.Securities)]
    [InlineData("商业保险", ProhibitedDataKind.CommercialInsurance)]
    [InlineData("不动产登记", ProhibitedDataKind.RealEstate)]
    [InlineData("房产", ProhibitedDataKind.RealEstate)]
    [InlineData("纳税数额", ProhibitedDataKind.TaxAmountPaid)]
    [InlineData("纳税额", ProhibitedDataKind.TaxAmountPaid)]
    [InlineData("tax_paid", ProhibitedDataKind.TaxAmountPaid)]
    public void Match_FindsFinancialData_OnlyWithoutConsent(string header, ProhibitedDataKind kind)
    {
        var match = ProhibitedData.Match(header, consentRecorded: false).ShouldNotBeNull();
        match.Kind.ShouldBe(kind);
        match.WaivableByConsent.ShouldBeTrue();

        ProhibitedData.Match(header, consentRecorded: true).ShouldBeNull();
    }

    [Theory]
    [InlineData("献血日期")]
    [InlineData("献血次数")]
    [InlineData("blood_donation")]
    [InlineData("欠税余额")]
    [InlineData("arrears_balance")]
    [InlineData("欠税税种")]
    [InlineData("社会保险费")]
    [InlineData("拖欠工资")]
    [InlineData("general")]
    [InlineData("trace_number")]
    [InlineData("姓名")]
    [InlineData("证件号码")]
    [InlineData("具体事项")]
    [InlineData("")]
    public void Match_LeavesLawfulFieldsAlone(string header) =>
        ProhibitedData.Match(header, consentRecorded: false).ShouldBeNull();

    [Fact]
    public void Match_EveryFieldOfTheRealCatalogue_IsLawful()
    {
        var catalog = CatalogLoader.Load(RepoPaths.Catalog);
        foreach (var field in catalog.Categories.Where(c => c.SubjectKind == SubjectKind.Person).SelectMany(c => c.Fields))
        {
            ProhibitedData.Match(field.NameZh, false).ShouldBeNull(field.NameZh);
            ProhibitedData.Match(field.NameEn, false).ShouldBeNull(field.NameEn);
            ProhibitedData.Match(field.Code, false).ShouldBeNull(field.Code);
        }
    }
}
