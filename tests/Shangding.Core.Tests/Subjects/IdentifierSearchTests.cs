using Shangding.Core.Subjects;

namespace Shangding.Core.Tests.Subjects;

/// <summary>A number typed into a staff search, taken for what it looks like: what is wrong with it, if anything.</summary>
public sealed class IdentifierSearchTests
{
    private static readonly DateOnly Today = new(2025, 6, 15);

    private static readonly string Valid = ResidentIdNumberTests.Make("410105", "19880818", "412");

    [Fact]
    public void AValidNumberOfEveryKind_HasNoProblem()
    {
        foreach (var number in new[]
        {
            Valid, " 11010519491231002x ", ResidentIdNumberTests.Make("810000", "19850312", "001"), ResidentIdNumberTests.Make("941840", "19850312", "001"),
            "91350100M000100Y43", "E12345678", "H12345678", "12345678", "12345678(B)", "USA123456789012", ExampleIdNumber.Value,
        })
        {
            IdentifierSearch.Check(number, Today).ShouldBe(IdError.None, number);
        }
    }

    [Fact]
    public void AMistypedResidentIdNumber_IsToldWhatIsWrong()
    {
        IdentifierSearch.Check(Valid[..17] + (Valid[17] == '1' ? "2" : "1"), Today).ShouldBe(IdError.WrongCheckDigit);
        // A digit left out or one too many: a passport may have 17 digits, but a clerk who types them meant an ID card.
        IdentifierSearch.Check(Valid[..17], Today).ShouldBe(IdError.WrongLength);
        IdentifierSearch.Check(Valid + "1", Today).ShouldBe(IdError.WrongLength);
        IdentifierSearch.Check(Valid[..15], Today).ShouldBe(IdError.WrongLength);
        IdentifierSearch.Check(ResidentIdNumberTests.Make("410105", "19900230", "123"), Today).ShouldBe(IdError.InvalidBirthDate);
        IdentifierSearch.Check(ResidentIdNumberTests.Make("410105", "20300101", "123"), Today).ShouldBe(IdError.BirthDateInFuture);
        IdentifierSearch.Check("410105-19880818-412", Today).ShouldBe(IdError.InvalidCharacter);

        // One wrong check digit in 31 makes the 18 digits a valid credit code: still a mistyped ID card number.
        var asCode = Enumerable.Range(100, 800).Select(n => "41010519880818" + n.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Select(first17 => first17 + UnifiedSocialCreditCode.ComputeCheckCharacter(first17))
            .First(n => char.IsAsciiDigit(n[17]) && n[17].ToString() != ResidentIdNumber.ComputeCheckDigit(n[..17]));
        UnifiedSocialCreditCode.TryParse(asCode, out _, out _).ShouldBeTrue();
        IdentifierSearch.Check(asCode, Today).ShouldBe(IdError.WrongCheckDigit);
    }

    [Fact]
    public void AMistypedCreditCode_IsToldWhatIsWrong()
    {
        IdentifierSearch.Check("91350100M000100Y44", Today).ShouldBe(IdError.WrongCheckCharacter);
        IdentifierSearch.Check("91350100M000100O43", Today).ShouldBe(IdError.ForbiddenLetter);
        // Digits only, but 91 is no province: a credit code rather than an ID card number.
        const string first17 = "91410105123456789";
        var wrong = first17 + (UnifiedSocialCreditCode.ComputeCheckCharacter(first17) == '0' ? '1' : '0');
        IdentifierSearch.Check(wrong, Today).ShouldBe(IdError.WrongCheckCharacter);
    }

    [Fact]
    public void SomethingThatIsNoNumberAtAll_IsToldSo()
    {
        IdentifierSearch.Check("   ", Today).ShouldBe(IdError.Empty);
        IdentifierSearch.Check("ABCDEFG", Today).ShouldBe(IdError.InvalidCharacter);
        IdentifierSearch.Check("E12", Today).ShouldBe(IdError.WrongLength);
    }
}
