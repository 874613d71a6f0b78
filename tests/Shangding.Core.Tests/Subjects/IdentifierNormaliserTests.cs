using Shangding.Core.Subjects;

namespace Shangding.Core.Tests.Subjects;

public sealed class IdentifierNormaliserTests
{
    [Theory]
    [InlineData(" 11010519491231002x ", "11010519491231002X")]
    [InlineData("110105 1949 1231 002X", "11010519491231002X")]
    [InlineData("１１０１０５１９４９１２３１００２ｘ", "11010519491231002X")]
    [InlineData("110105\u30001949\u00A01231\t002X", "11010519491231002X")]
    [InlineData("\uFEFF110105\u200B19491231002X", "11010519491231002X")]
    [InlineData("９１３５０１００ｍ０００１００ｙ４３", "91350100M000100Y43")]
    [InlineData("Ｈ１２３４５６７８", "H12345678")]
    [InlineData("12345678（B）", "12345678(B)")]
    [InlineData("", "")]
    [InlineData("   ", "")]
    [InlineData(null, "")]
    public void Normalise_RemovesSpacesAndMapsFullWidthToUpperAscii(string? raw, string expected) =>
        IdentifierNormaliser.Normalise(raw).ShouldBe(expected);

    [Fact]
    public void Normalise_IsIdempotent()
    {
        var once = IdentifierNormaliser.Normalise(" ４１０１ab ");
        IdentifierNormaliser.Normalise(once).ShouldBe(once);
    }
}
