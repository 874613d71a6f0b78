namespace Shangding.Core.Subjects;

/// <summary>
/// A full identifier typed by staff to find a subject (a clerk's records, the query log, the CLI's score commands). Such a
/// search has no certificate type to say what the number is, so <see cref="Check"/> takes the number for what it looks
/// like and says what is wrong with it. The search itself still looks the number up by its keyed hash whatever this says
/// (the intake accepts a passport number of up to 17 digits, which looks like a resident ID number with a digit missing);
/// the problem is for telling the person, when nothing was found, why that may be, instead of only that nothing matched.
/// </summary>
public static class IdentifierSearch
{
    /// <summary>Digits only, the last character possibly X, and longer than any permit number: a GB 11643-style number (or a USCC of digits).</summary>
    private const int LongestPermitNumber = 10;

    /// <summary>
    /// What is wrong with <paramref name="typed"/> as an identifier, taken for what it looks like; <see cref="IdError.None"/>
    /// when it is valid as such. Digits (the last possibly X) longer than a permit number are a resident ID number, a Hong
    /// Kong, Macao or Taiwan residence permit, a 2023 foreign permanent resident card or a unified social credit code (18
    /// characters, and an ID card number in all but its check digit is taken for a mistyped one; otherwise the length is
    /// wrong); other 18-character values are a unified social credit code; anything else must be a passport or permit number.
    /// </summary>
    /// <param name="today">Birth dates in the number must not be after this date (the date in China).</param>
    public static IdError Check(string? typed, DateOnly today)
    {
        var value = IdentifierNormaliser.Normalise(typed);
        if (value.Length == 0)
        {
            return IdError.Empty;
        }

        if (IsLongDigitNumber(value))
        {
            if (value.Length != ResidentIdNumber.Length)
            {
                return IdError.WrongLength;
            }

            if (ResidentIdNumber.TryParse(value, today, out _, out var residentError))
            {
                return IdError.None;
            }

            // An ID card number in every part but its check digit: a mistyped one, even where the digits happen to make
            // a valid credit code (one in 31 do).
            if (residentError == IdError.WrongCheckDigit)
            {
                return residentError;
            }

            if (CertificateNumber.ValidateForeignPermanentResidence(value, today) == IdError.None || UnifiedSocialCreditCode.TryParse(value, out _, out var usccError))
            {
                return IdError.None;
            }

            // Not a province's region code (e.g. 91…): more likely a unified social credit code made of digits.
            return residentError == IdError.InvalidRegionCode ? usccError : residentError;
        }

        if (value.Length == UnifiedSocialCreditCode.Length)
        {
            return UnifiedSocialCreditCode.TryParse(value, out _, out var error) ? IdError.None : error;
        }

        if (CertificateNumber.IsPassportFormat(value) || CertificateNumber.IsHongKongMacauPermitFormat(value) || CertificateNumber.IsTaiwanPermitFormat(value)
            || CertificateNumber.ValidateForeignPermanentResidence(value, today) == IdError.None)
        {
            return IdError.None;
        }

        // Punctuation or other characters, or letters without a digit; otherwise too short or too long for any number.
        return value.Any(c => !char.IsAsciiLetterOrDigit(c)) || !value.Any(char.IsAsciiDigit) ? IdError.InvalidCharacter : IdError.WrongLength;
    }

    private static bool IsLongDigitNumber(string value)
    {
        if (value.Length <= LongestPermitNumber)
        {
            return false;
        }

        for (var i = 0; i < value.Length - 1; i++)
        {
            if (!char.IsAsciiDigit(value[i]))
            {
                return false;
            }
        }

        return char.IsAsciiDigit(value[^1]) || value[^1] == 'X';
    }
}
