using Shangding.Core.Subjects;

namespace Shangding.Core.Tests.Subjects;

public sealed class CertificateNumberTests
{
    private static readonly DateOnly Today = new(2025, 6, 15);

    private static IdError Check(CertificateType type, string raw)
    {
        var ok = CertificateNumber.TryParse(type, raw, Today, out var number, out var error);
        (number is not null).ShouldBe(ok);
        return error;
    }

    [Theory]
    [InlineData("11010519491231002X")]
    [InlineData("11010519491231002x")]
    public void ResidentId_UsesGb11643Validation(string raw) =>
        Check(CertificateType.ResidentId, raw).ShouldBe(IdError.None);

    [Fact]
    public void ResidentId_ReportsTheGb11643Error() =>
        Check(CertificateType.ResidentId, "110105194912310021").ShouldBe(IdError.WrongCheckDigit);

    [Theory]
    [InlineData("E12345678")]
    [InlineData("G12345678")]
    [InlineData("EA1234567")]
    [InlineData("e12345678")]
    [InlineData("123456789")]
    [InlineData("AB12345")]
    [InlineData("X1234")]
    [InlineData("C01X00T47")]
    [InlineData("12345678901234567")]
    public void Passport_AcceptsChineseAndForeignFormats(string raw) =>
        Check(CertificateType.Passport, raw).ShouldBe(IdError.None);

    [Theory]
    [InlineData("E123")]
    [InlineData("ABCDEFGH")]
    [InlineData("123456789012345678")]
    [InlineData("E1234-5678")]
    [InlineData("护照12345")]
    public void Passport_RefusesOtherFormats(string raw) =>
        Check(CertificateType.Passport, raw).ShouldBe(IdError.InvalidFormat);

    [Theory]
    [InlineData("E12345678", true)]
    [InlineData("G12345678", true)]
    [InlineData("EA1234567", true)]
    [InlineData("E1234567", false)]
    [InlineData("GA1234567", false)]
    [InlineData("K12345678", false)]
    public void IsChineseOrdinaryPassportFormat_RecognisesTheChineseSeries(string value, bool expected) =>
        CertificateNumber.IsChineseOrdinaryPassportFormat(value).ShouldBe(expected);

    [Theory]
    [InlineData("H12345678", IdError.None)]
    [InlineData("M12345678", IdError.None)]
    [InlineData("H1234567801", IdError.None)]
    [InlineData("h12345678", IdError.None)]
    [InlineData("H1234567", IdError.InvalidFormat)]
    [InlineData("H123456789", IdError.InvalidFormat)]
    [InlineData("A12345678", IdError.InvalidFormat)]
    [InlineData("12345678", IdError.InvalidFormat)]
    public void HongKongMacauPermit_IsHOrMWith8Or10Digits(string raw, IdError expected) =>
        Check(CertificateType.HongKongMacauPermit, raw).ShouldBe(expected);

    [Theory]
    [InlineData("12345678", IdError.None)]
    [InlineData("1234567801", IdError.None)]
    [InlineData("12345678(B)", IdError.None)]
    [InlineData("12345678（B）", IdError.None)]
    [InlineData("12345678AB", IdError.None)]
    [InlineData("1234567", IdError.InvalidFormat)]
    [InlineData("123456789", IdError.InvalidFormat)]
    [InlineData("T12345678", IdError.InvalidFormat)]
    [InlineData("12345678(ABC)", IdError.InvalidFormat)]
    public void TaiwanPermit_Is8Or10DigitsOrOlderWithLetters(string raw, IdError expected) =>
        Check(CertificateType.TaiwanPermit, raw).ShouldBe(expected);

    [Theory]
    [InlineData("USA110090123456", IdError.None)]
    [InlineData("usa110090123456", IdError.None)]
    [InlineData("US1100901234567", IdError.InvalidFormat)]
    [InlineData("USA11009012345", IdError.InvalidFormat)]
    [InlineData("USA11009012345X", IdError.InvalidFormat)]
    public void ForeignPermanentResidence_OldFormat_Is3LettersAnd12Digits(string raw, IdError expected) =>
        Check(CertificateType.ForeignPermanentResidence, raw).ShouldBe(expected);

    [Fact]
    public void ForeignPermanentResidence_NewFormat_StartsWith9AndHasAGb11643CheckDigit()
    {
        var valid = ResidentIdNumberTests.Make("941840", "19850312", "001");
        Check(CertificateType.ForeignPermanentResidence, valid).ShouldBe(IdError.None);

        var wrongCheck = valid[..17] + (valid[17] == '0' ? '1' : '0');
        Check(CertificateType.ForeignPermanentResidence, wrongCheck).ShouldBe(IdError.WrongCheckDigit);

        Check(CertificateType.ForeignPermanentResidence, ResidentIdNumberTests.Make("941840", "20300101", "001"))
            .ShouldBe(IdError.BirthDateInFuture);

        // A resident ID is not a foreign permanent resident ID card, even with a valid check digit.
        Check(CertificateType.ForeignPermanentResidence, "11010519491231002X").ShouldBe(IdError.InvalidFormat);
    }

    [Theory]
    [InlineData("810000")]
    [InlineData("820000")]
    [InlineData("830000")]
    public void HmtResidencePermit_Accepts81To83WithCheckDigit(string region) =>
        Check(CertificateType.HmtResidencePermit, ResidentIdNumberTests.Make(region, "19900307", "123")).ShouldBe(IdError.None);

    [Fact]
    public void HmtResidencePermit_RefusesMainlandRegionsAndBadCheckDigits()
    {
        Check(CertificateType.HmtResidencePermit, "11010519491231002X").ShouldBe(IdError.InvalidRegionCode);
        var valid = ResidentIdNumberTests.Make("810000", "19900307", "123");
        Check(CertificateType.HmtResidencePermit, valid[..17] + (valid[17] == '0' ? '1' : '0')).ShouldBe(IdError.WrongCheckDigit);
    }

    [Fact]
    public void TryParse_RefusesEmptyForEveryType()
    {
        foreach (var type in Enum.GetValues<CertificateType>())
        {
            Check(type, "  ").ShouldBe(IdError.Empty);
        }
    }

    [Fact]
    public void ToString_IsMasked()
    {
        CertificateNumber.TryParse(CertificateType.Passport, "E12345678", Today, out var number, out _).ShouldBeTrue();
        number.ToString().ShouldBe("Passport:E1*****78");
        number.Value.ShouldBe("E12345678");
    }
}
