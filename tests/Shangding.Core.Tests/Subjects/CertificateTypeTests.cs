using Shangding.Core.Subjects;

namespace Shangding.Core.Tests.Subjects;

public sealed class CertificateTypeTests
{
    [Theory]
    [InlineData("居民身份证", CertificateType.ResidentId)]
    [InlineData("身份证", CertificateType.ResidentId)]
    [InlineData(" 居民身份证 ", CertificateType.ResidentId)]
    [InlineData("护照", CertificateType.Passport)]
    [InlineData("港澳居民来往内地通行证", CertificateType.HongKongMacauPermit)]
    [InlineData("回乡证", CertificateType.HongKongMacauPermit)]
    [InlineData("台湾居民来往大陆通行证", CertificateType.TaiwanPermit)]
    [InlineData("台胞证", CertificateType.TaiwanPermit)]
    [InlineData("外国人永久居留身份证", CertificateType.ForeignPermanentResidence)]
    [InlineData("港澳台居民居住证", CertificateType.HmtResidencePermit)]
    [InlineData("Passport", CertificateType.Passport)]
    [InlineData("resident id card", CertificateType.ResidentId)]
    [InlineData("TaiwanPermit", CertificateType.TaiwanPermit)]
    public void TryParse_AcceptsCatalogueLabelsAndAliases(string label, CertificateType expected)
    {
        CertificateTypes.TryParse(label, out var type).ShouldBeTrue();
        type.ShouldBe(expected);
    }

    [Theory]
    [InlineData("")]
    [InlineData("驾驶证")]
    [InlineData("港澳通行证")]
    public void TryParse_RefusesUnknownLabels(string label) =>
        CertificateTypes.TryParse(label, out _).ShouldBeFalse();

    [Fact]
    public void Label_RoundTripsForEveryType_InBothLanguages()
    {
        foreach (var type in Enum.GetValues<CertificateType>())
        {
            CertificateTypes.TryParse(type.Label(), out var zh).ShouldBeTrue();
            zh.ShouldBe(type);
            CertificateTypes.TryParse(type.Label("en-GB"), out var en).ShouldBeTrue();
            en.ShouldBe(type);
        }

        CertificateType.ResidentId.Label().ShouldBe("居民身份证");
        CertificateType.ResidentId.Label("en").ShouldBe("Resident ID card");
    }
}
