using Shangding.Core.Subjects;

namespace Shangding.Core.Tests.Subjects;

public sealed class IdErrorMessagesTests
{
    [Fact]
    public void Describe_DefaultsToChinese_AndOffersEnglish()
    {
        IdErrorMessages.Describe(IdError.WrongCheckDigit).ShouldStartWith("证件号码校验位错误：请核对最后一位（应为 0–9 或 X）");
        IdErrorMessages.Describe(IdError.WrongCheckDigit, "zh-CN").ShouldStartWith("证件号码校验位错误");
        IdErrorMessages.Describe(IdError.WrongCheckDigit, "en").ShouldStartWith("The check digit of the ID number is wrong: check the last character (0–9 or X)");
        IdErrorMessages.Describe(IdError.WrongCheckDigit, "en-US").ShouldStartWith("The check digit");
        IdErrorMessages.Describe(IdError.WrongCheckDigit, "fr").ShouldStartWith("证件号码");
    }

    [Fact]
    public void Describe_HasADistinctMessageForEveryError_InBothLanguages()
    {
        foreach (var culture in new[] { "zh-CN", "en" })
        {
            var messages = Enum.GetValues<IdError>().Select(e => IdErrorMessages.Describe(e, culture)).ToList();
            messages.Distinct().Count().ShouldBe(messages.Count);
            messages.ShouldAllBe(m => m.Length > 5);
        }
    }
}
