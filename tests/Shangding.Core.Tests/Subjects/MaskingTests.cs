using Shangding.Core.Subjects;

namespace Shangding.Core.Tests.Subjects;

public sealed class MaskingTests
{
    [Theory]
    [InlineData("41010519900307123X", "4101**********123X")]
    [InlineData("11010519491231002x", "1101**********002X")]
    [InlineData("91350100M000100Y43", "9135**********0Y43")]
    [InlineData("1234567890123456", "1234********3456")]
    [InlineData("USA110090123456", "USA*********456")]
    [InlineData("H1234567801", "H1*******01")]
    [InlineData("E12345678", "E1*****78")]
    [InlineData("12345678", "12****78")]
    [InlineData("1234567", "1*****7")]
    [InlineData("ABCD", "A**D")]
    [InlineData("ABC", "***")]
    [InlineData("A", "*")]
    [InlineData("", "")]
    [InlineData(null, "")]
    public void Mask_KeepsAtMostAQuarterAtEachEnd_AndAtMost4(string? identifier, string expected) =>
        Masking.Mask(identifier).ShouldBe(expected);

    [Fact]
    public void Mask_PreservesTheNormalisedLength_AndHidesAtLeastHalf()
    {
        Masking.Mask(" 4101 0519 9003 0712 3X ").Length.ShouldBe(18);
        for (var length = 1; length <= 40; length++)
        {
            var masked = Masking.Mask(new string('7', length));
            masked.Length.ShouldBe(length);
            masked.Count(c => c == '*').ShouldBeGreaterThanOrEqualTo((length + 1) / 2);
        }
    }

    [Theory]
    [InlineData("张三", "张*")]
    [InlineData("李小明", "李**")]
    [InlineData("欧阳娜娜", "欧***")]
    [InlineData(" 王五 ", "王*")]
    [InlineData("张", "张")]
    [InlineData("阿依古丽·买买提", "阿*******")]
    [InlineData("𠈌小明", "𠈌**")]
    [InlineData("John Smith", "J*********")]
    [InlineData("", "")]
    [InlineData(null, "")]
    public void MaskName_KeepsTheFirstCharacterOnly(string? name, string expected) =>
        Masking.MaskName(name).ShouldBe(expected);

    [Theory]
    [InlineData("用户证件 11010519491231002X 有误", "用户证件 1101**********002X 有误")]
    [InlineData("号码410105190001010010。", "号码4101**********0010。")]
    [InlineData("信用代码 91350100M000100Y43", "信用代码 9135**********0Y43")]
    [InlineData("户号 12345678901234 欠费 820.50", "户号 12345678901234 欠费 820.50")]
    public void MaskIdLike_MasksEveryIdentifierInFreeText_AndLeavesOtherNumbers(string text, string expected)
    {
        Masking.MaskIdLike(text).ShouldBe(expected);
        Masking.HasIdLike(text).ShouldBe(text != expected);
    }
}
