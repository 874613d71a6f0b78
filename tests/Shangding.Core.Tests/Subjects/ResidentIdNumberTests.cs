using Shangding.Core.Subjects;

namespace Shangding.Core.Tests.Subjects;

public sealed class ResidentIdNumberTests
{
    private static readonly DateOnly Today = new(2025, 6, 15);

    // Build a valid number from its parts so the tests never trust a remembered check digit.
    internal static string Make(string region, string birth, string sequence)
    {
        var first17 = region + birth + sequence;
        return first17 + ResidentIdNumber.ComputeCheckDigit(first17);
    }

    [Fact]
    public void ComputeCheckDigit_MatchesTheStandardsExample() =>
        ResidentIdNumber.ComputeCheckDigit("11010519491231002").ShouldBe("X");

    [Fact]
    public void TryParse_AcceptsTheStandardsExample_AndDerivesBirthDateSexAndAge()
    {
        ResidentIdNumber.TryParse("11010519491231002X", Today, out var id, out var error).ShouldBeTrue();
        error.ShouldBe(IdError.None);
        id.Value.ShouldBe("11010519491231002X");
        id.RegionCode.ShouldBe("110105");
        id.ProvinceCode.ShouldBe(11);
        id.BirthDate.ShouldBe(new DateOnly(1949, 12, 31));
        id.Sex.ShouldBe(Sex.Female);
        id.AgeOn(Today).ShouldBe(75);
        id.IsHmtResidencePermit.ShouldBeFalse();
    }

    [Theory]
    [InlineData("410105", "19900307", "123", Sex.Male)]
    [InlineData("410105", "19900307", "124", Sex.Female)]
    [InlineData("650102", "20000229", "001", Sex.Male)]
    [InlineData("460100", "19000101", "010", Sex.Female)]
    [InlineData("410102", "20250615", "999", Sex.Male)]
    public void TryParse_AcceptsComputedValidNumbers(string region, string birth, string sequence, Sex sex)
    {
        var number = Make(region, birth, sequence);
        ResidentIdNumber.TryParse(number, Today, out var id, out var error).ShouldBeTrue(error.ToString());
        id.Sex.ShouldBe(sex);
        id.BirthDate.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture).ShouldBe(birth);
    }

    [Fact]
    public void TryParse_RefusesWrongCheckDigit()
    {
        ResidentIdNumber.TryParse("110105194912310021", Today, out var id, out var error).ShouldBeFalse();
        id.ShouldBeNull();
        error.ShouldBe(IdError.WrongCheckDigit);
    }

    [Theory]
    [InlineData("19900230", IdError.InvalidBirthDate)]
    [InlineData("19901301", IdError.InvalidBirthDate)]
    [InlineData("20230229", IdError.InvalidBirthDate)]
    [InlineData("19900100", IdError.InvalidBirthDate)]
    [InlineData("19900001", IdError.InvalidBirthDate)]
    [InlineData("00000101", IdError.InvalidBirthDate)]
    [InlineData("20250616", IdError.BirthDateInFuture)]
    [InlineData("20990101", IdError.BirthDateInFuture)]
    [InlineData("18991231", IdError.BirthDateTooEarly)]
    public void TryParse_RefusesBadBirthDates_EvenWithACorrectCheckDigit(string birth, IdError expected)
    {
        ResidentIdNumber.TryParse(Make("410105", birth, "123"), Today, out _, out var error).ShouldBeFalse();
        error.ShouldBe(expected);
    }

    [Fact]
    public void TryParse_RefusesTheStandards1880Example_AsBefore1900()
    {
        ResidentIdNumber.ComputeCheckDigit("44052418800101001").ShouldBe("4");
        ResidentIdNumber.TryParse("440524188001010014", Today, out _, out var error).ShouldBeFalse();
        error.ShouldBe(IdError.BirthDateTooEarly);
    }

    [Theory]
    [InlineData("", IdError.Empty)]
    [InlineData("   ", IdError.Empty)]
    [InlineData("11010519491231002", IdError.WrongLength)]
    [InlineData("11010519491231002X1", IdError.WrongLength)]
    [InlineData("410105199003071234567", IdError.WrongLength)]
    [InlineData("1101051949123100AX", IdError.InvalidCharacter)]
    [InlineData("11010519491231002Y", IdError.InvalidCharacter)]
    [InlineData("110105-9491231002X", IdError.InvalidCharacter)]
    public void TryParse_RefusesMalformedNumbers(string raw, IdError expected)
    {
        ResidentIdNumber.TryParse(raw, Today, out _, out var error).ShouldBeFalse();
        error.ShouldBe(expected);
    }

    [Theory]
    [InlineData("000000")]
    [InlineData("990101")]
    [InlineData("160101")]
    [InlineData("810101")]
    public void TryParse_RefusesImplausibleRegionCodes(string region)
    {
        ResidentIdNumber.TryParse(Make(region, "19900307", "123"), Today, out _, out var error).ShouldBeFalse();
        error.ShouldBe(IdError.InvalidRegionCode);
    }

    [Theory]
    [InlineData("810000")]
    [InlineData("820000")]
    [InlineData("830000")]
    public void TryParse_AcceptsHmtResidencePermitRegionCodes(string region)
    {
        ResidentIdNumber.TryParse(Make(region, "19900307", "123"), Today, out var id, out _).ShouldBeTrue();
        id.IsHmtResidencePermit.ShouldBeTrue();
    }

    [Fact]
    public void TryParse_AcceptsLowercaseXFullWidthDigitsAndStraySpaces()
    {
        ResidentIdNumber.TryParse("11010519491231002x", Today, out var lower, out _).ShouldBeTrue();
        lower.Value.ShouldBe("11010519491231002X");

        ResidentIdNumber.TryParse(" １１０１０５\u3000１９４９１２３１ ００２ｘ ", Today, out var wide, out _).ShouldBeTrue();
        wide.Value.ShouldBe("11010519491231002X");
        wide.ShouldBe(lower);
    }

    [Theory]
    [InlineData("2025-06-14", 17)]
    [InlineData("2025-06-15", 18)]
    [InlineData("2026-06-14", 18)]
    public void AgeOn_CountsCompletedYears(string date, int expected)
    {
        var id = ResidentIdNumber.Parse(Make("410105", "20070615", "123"), Today);
        id.AgeOn(DateOnly.Parse(date, System.Globalization.CultureInfo.InvariantCulture)).ShouldBe(expected);
    }

    [Fact]
    public void AgeOn_LeapDayBirthday_TurnsOlderOnFirstMarchInCommonYears()
    {
        var id = ResidentIdNumber.Parse(Make("410105", "20000229", "123"), Today);
        id.AgeOn(new DateOnly(2018, 2, 28)).ShouldBe(17);
        id.AgeOn(new DateOnly(2018, 3, 1)).ShouldBe(18);
    }

    [Fact]
    public void ToString_IsMasked_SoTheNumberCannotLeakIntoLogs() =>
        ResidentIdNumber.Parse("11010519491231002X", Today).ToString().ShouldBe("1101**********002X");

    [Fact]
    public void ComputeCheckDigit_RefusesNonDigits() =>
        Should.Throw<ArgumentException>(() => ResidentIdNumber.ComputeCheckDigit("1101051949123100A"));

    [Fact]
    public void TryParse_DetectsEverySingleDigitCorruption_In1000GeneratedNumbers()
    {
        var random = new Random(20250615);
        string[] regions = ["410105", "410102", "110105", "310101", "440305", "650102", "810000"];
        var start = new DateOnly(1920, 1, 1);
        var days = Today.DayNumber - start.DayNumber;
        for (var n = 0; n < 1000; n++)
        {
            var birth = start.AddDays(random.Next(days + 1));
            var number = Make(
                regions[random.Next(regions.Length)],
                birth.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture),
                random.Next(1000).ToString("D3", System.Globalization.CultureInfo.InvariantCulture));
            ResidentIdNumber.TryParse(number, Today, out _, out var valid).ShouldBeTrue(number + " " + valid);

            var position = random.Next(18);
            var chars = number.ToCharArray();
            var original = chars[position];
            do
            {
                chars[position] = position == 17 && random.Next(11) == 10 ? 'X' : (char)('0' + random.Next(10));
            }
            while (chars[position] == original);

            var corrupted = new string(chars);
            ResidentIdNumber.TryParse(corrupted, Today, out _, out var error).ShouldBeFalse(corrupted);
            error.ShouldNotBe(IdError.None);
        }
    }
}
