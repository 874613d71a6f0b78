namespace Shangding.Core.Subjects;

/// <summary>Messages for people about refused identifiers: what is wrong and what to do.</summary>
public static class IdErrorMessages
{
    /// <summary>
    /// Describes <paramref name="error"/> in the language of <paramref name="culture"/>: English for any
    /// culture name starting with <c>en</c>, otherwise Simplified Chinese (the platform's default).
    /// </summary>
    public static string Describe(IdError error, string? culture = "zh-CN") =>
        IsEnglish(culture) ? English(error) : Chinese(error);

    private static bool IsEnglish(string? culture) =>
        culture is not null && culture.StartsWith("en", StringComparison.OrdinalIgnoreCase);

    private static string Chinese(IdError error) => error switch
    {
        IdError.None => "证件号码有效。",
        IdError.Empty => "证件号码为空：请填写证件号码。",
        IdError.WrongLength => "证件号码位数不对：居民身份证号码、港澳台居民居住证号码和统一社会信用代码均为 18 位，请检查是否多输或漏输了字符。",
        IdError.InvalidCharacter => "证件号码含有无效字符：居民身份证号码前 17 位只能是数字，最后一位为 0–9 或 X；请删除标点等其他字符后重试。",
        IdError.InvalidRegionCode => "证件号码前 6 位（地区码）无效：请核对号码开头的省份和地区代码。",
        IdError.InvalidBirthDate => "证件号码中的出生日期（第 7–14 位）不是有效日期：请核对年月日。",
        IdError.BirthDateInFuture => "证件号码中的出生日期（第 7–14 位）晚于今天：请核对年月日。",
        IdError.BirthDateTooEarly => "证件号码中的出生日期（第 7–14 位）早于 1900 年：请核对年份。",
        IdError.WrongCheckDigit => "证件号码校验位错误：请核对最后一位（应为 0–9 或 X），并检查其他各位是否输错。",
        IdError.ForbiddenLetter => "统一社会信用代码不使用字母 I、O、Z、S、V：请检查是否把数字 1、0、2、5 或字母 U 误写成了这些字母。",
        IdError.WrongCheckCharacter => "统一社会信用代码校验位错误：请对照营业执照核对最后一位及其他各位。",
        IdError.InvalidFormat => "证件号码与所选证件类型的格式不符：请核对证件类型和号码。",
        IdError.UnknownCertificateType => "无法识别的证件类型：请选择居民身份证、护照、港澳居民来往内地通行证、台湾居民来往大陆通行证、外国人永久居留身份证或港澳台居民居住证。",
        _ => "证件号码无效：请核对后重试。",
    };

    private static string English(IdError error) => error switch
    {
        IdError.None => "The ID number is valid.",
        IdError.Empty => "The ID number is empty: enter the ID number.",
        IdError.WrongLength => "The number has the wrong length: resident ID numbers, residence permit numbers for Hong Kong, Macao and Taiwan residents and unified social credit codes have 18 characters; check for missing or extra characters.",
        IdError.InvalidCharacter => "The ID number contains an invalid character: the first 17 characters of a resident ID number are digits and the last is 0–9 or X; remove punctuation and other characters and try again.",
        IdError.InvalidRegionCode => "The first 6 digits of the ID number (the region code) are not valid: check the province and region code at the start.",
        IdError.InvalidBirthDate => "The birth date in the ID number (characters 7–14) is not a valid date: check the year, month and day.",
        IdError.BirthDateInFuture => "The birth date in the ID number (characters 7–14) is after today: check the year, month and day.",
        IdError.BirthDateTooEarly => "The birth date in the ID number (characters 7–14) is before 1900: check the year.",
        IdError.WrongCheckDigit => "The check digit of the ID number is wrong: check the last character (0–9 or X) and look for typing errors in the others.",
        IdError.ForbiddenLetter => "Unified social credit codes never use the letters I, O, Z, S or V: check whether the digits 1, 0, 2, 5 or the letter U were mistyped.",
        IdError.WrongCheckCharacter => "The check character of the unified social credit code is wrong: compare the last character and the others with the business licence.",
        IdError.InvalidFormat => "The number does not have the format of the selected certificate type: check the certificate type and the number.",
        IdError.UnknownCertificateType => "Unknown certificate type: choose resident ID card, passport, Mainland travel permit for Hong Kong and Macao residents, Mainland travel permit for Taiwan residents, foreign permanent resident ID card or residence permit for Hong Kong, Macao and Taiwan residents.",
        _ => "The ID number is not valid: check it and try again.",
    };
}
