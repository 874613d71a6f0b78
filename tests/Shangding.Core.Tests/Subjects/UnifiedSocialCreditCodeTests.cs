using Shangding.Core.Subjects;

namespace Shangding.Core.Tests.Subjects;

public sealed class UnifiedSocialCreditCodeTests
{
    // Each example's check character was recomputed with the GB 32100 formula, not taken on trust.
    [Theory]
    [InlineData("91350100M000100Y43")]
    [InlineData("91110000600037341L")]
    [InlineData("91110000802100433B")]
    [InlineData("91440300192181490G")]
    [InlineData("91440300708461136T")]
    [InlineData("91110108551385082Q")]
    public void TryParse_AcceptsValidCodes(string raw)
    {
        UnifiedSocialCreditCode.ComputeCheckCharacter(raw[..17]).ShouldBe(raw[17]);
        UnifiedSocialCreditCode.TryParse(raw, out var code, out var error).ShouldBeTrue(error.ToString());
        code.Value.ShouldBe(raw);
        code.ToString().ShouldBe(raw);
    }

    [Fact]
    public void Parts_AreExposed()
    {
        var code = UnifiedSocialCreditCode.Parse("91350100M000100Y43");
        code.RegistrationAuthorityCode.ShouldBe('9');
        code.OrganisationTypeCode.ShouldBe('1');
        code.RegionCode.ShouldBe("350100");
        code.OrganisationCode.ShouldBe("M000100Y4");
    }

    [Fact]
    public void Weights_AreThePowersOfThreeModulo31()
    {
        // A code with a single 1 at position i has sum w_i, so its check is (31 - w_i) mod 31.
        for (var i = 0; i < 17; i++)
        {
            var chars = new string('0', 17).ToCharArray();
            chars[i] = '1';
            var weight = (int)System.Numerics.BigInteger.ModPow(3, i, 31);
            UnifiedSocialCreditCode.ComputeCheckCharacter(new string(chars))
                .ShouldBe(UnifiedSocialCreditCode.Alphabet[(31 - weight) % 31]);
        }
    }

    [Fact]
    public void TryParse_NormalisesLowercaseSpacesAndFullWidth()
    {
        UnifiedSocialCreditCode.TryParse(" 9135 0100 m000 100y43 ", out var code, out _).ShouldBeTrue();
        code.Value.ShouldBe("91350100M000100Y43");
        UnifiedSocialCreditCode.TryParse("９１３５０１００Ｍ０００１００Ｙ４３", out _, out _).ShouldBeTrue();
    }

    [Theory]
    [InlineData("91350100M000100Y44")]
    [InlineData("91350100M000100Y4A")]
    [InlineData("91110000600037341K")]
    [InlineData("92110000600037341L")]
    public void TryParse_RefusesWrongCheckCharacter(string raw)
    {
        UnifiedSocialCreditCode.TryParse(raw, out var code, out var error).ShouldBeFalse();
        code.ShouldBeNull();
        error.ShouldBe(IdError.WrongCheckCharacter);
    }

    [Theory]
    [InlineData('I')]
    [InlineData('O')]
    [InlineData('Z')]
    [InlineData('S')]
    [InlineData('V')]
    public void TryParse_RefusesForbiddenLetters(char letter)
    {
        UnifiedSocialCreditCode.TryParse("91350100" + letter + "000100Y43", out _, out var error).ShouldBeFalse();
        error.ShouldBe(IdError.ForbiddenLetter);
    }

    [Theory]
    [InlineData("", IdError.Empty)]
    [InlineData("91350100M000100Y4", IdError.WrongLength)]
    [InlineData("91350100M000100Y433", IdError.WrongLength)]
    [InlineData("91350100M000100-43", IdError.InvalidCharacter)]
    public void TryParse_RefusesMalformedCodes(string raw, IdError expected)
    {
        UnifiedSocialCreditCode.TryParse(raw, out _, out var error).ShouldBeFalse();
        error.ShouldBe(expected);
    }

    [Fact]
    public void ComputeCheckCharacter_RefusesCharactersOutsideTheAlphabet() =>
        Should.Throw<ArgumentException>(() => UnifiedSocialCreditCode.ComputeCheckCharacter("91350100I000100Y4"));

    [Fact]
    public void TryParse_DetectsEverySingleCharacterSubstitution_In1000GeneratedCodes()
    {
        var random = new Random(32100);
        var alphabet = UnifiedSocialCreditCode.Alphabet;
        for (var n = 0; n < 1000; n++)
        {
            var first17 = new string(Enumerable.Range(0, 17).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());
            var code = first17 + UnifiedSocialCreditCode.ComputeCheckCharacter(first17);
            UnifiedSocialCreditCode.TryParse(code, out _, out _).ShouldBeTrue(code);

            var chars = code.ToCharArray();
            var position = random.Next(18);
            var original = chars[position];
            do
            {
                chars[position] = alphabet[random.Next(alphabet.Length)];
            }
            while (chars[position] == original);

            UnifiedSocialCreditCode.TryParse(new string(chars), out _, out _).ShouldBeFalse(new string(chars));
        }
    }
}
