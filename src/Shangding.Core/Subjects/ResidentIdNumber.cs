using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Shangding.Core.Subjects;

/// <summary>
/// A citizen identity number (公民身份号码) per GB 11643-1999: 6-digit region code, 8-digit birth date
/// (yyyyMMdd), 3-digit sequence code whose last digit is odd for men and even for women, and a check
/// character computed with ISO 7064 MOD 11-2. Residence permits for Hong Kong, Macao and Taiwan
/// residents use the same scheme with region codes 810000, 820000 and 830000
/// (港澳台居民居住证申领发放办法, 国办发〔2018〕81号, art. 4).
/// </summary>
/// <remarks>
/// <see cref="ToString"/> returns the masked form so an identifier that slips into a log or a view
/// is not disclosed; use <see cref="Value"/> deliberately where the full number is needed.
/// </remarks>
public sealed class ResidentIdNumber : IEquatable<ResidentIdNumber>
{
    /// <summary>The length of a GB 11643 number.</summary>
    public const int Length = 18;

    private static readonly int[] Weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    private const string CheckCharacters = "10X98765432";
    private static readonly DateOnly EarliestBirthDate = new(1900, 1, 1);

    // GB/T 2260 province-level codes; 71 Taiwan, 81 Hong Kong, 82 Macao as in GB/T 2260, and 83 for
    // Taiwan residents' residence permits (which use 830000 rather than 71).
    private static readonly HashSet<int> ProvinceCodes =
    [
        11, 12, 13, 14, 15,
        21, 22, 23,
        31, 32, 33, 34, 35, 36, 37,
        41, 42, 43, 44, 45, 46,
        50, 51, 52, 53, 54,
        61, 62, 63, 64, 65,
        71, 81, 82, 83,
    ];

    private ResidentIdNumber(string value, DateOnly birthDate)
    {
        Value = value;
        BirthDate = birthDate;
    }

    /// <summary>The normalised 18-character number (digits, last one possibly <c>X</c>).</summary>
    public string Value { get; }

    /// <summary>The 6-digit administrative region code of first registration.</summary>
    public string RegionCode => Value[..6];

    /// <summary>The 2-digit province-level code (e.g. 41 for Henan).</summary>
    public int ProvinceCode => (Value[0] - '0') * 10 + (Value[1] - '0');

    /// <summary>True for the numbers of residence permits for Hong Kong, Macao and Taiwan residents (810000/820000/830000).</summary>
    public bool IsHmtResidencePermit => ProvinceCode is 81 or 82 or 83 && Value.AsSpan(2, 4).SequenceEqual("0000");

    /// <summary>The birth date encoded in characters 7–14.</summary>
    public DateOnly BirthDate { get; }

    /// <summary>The sex encoded in the 17th character: odd for male, even for female.</summary>
    public Sex Sex => (Value[16] - '0') % 2 == 1 ? Sex.Male : Sex.Female;

    /// <summary>Age in completed years on <paramref name="date"/>; someone born on 29 February turns a year older on 1 March in common years.</summary>
    public int AgeOn(DateOnly date)
    {
        var age = date.Year - BirthDate.Year;
        if (date.Month < BirthDate.Month || (date.Month == BirthDate.Month && date.Day < BirthDate.Day))
        {
            age--;
        }

        return Math.Max(age, 0);
    }

    /// <summary>
    /// Normalises <paramref name="raw"/> (see <see cref="IdentifierNormaliser"/>) and validates length,
    /// characters, region code, birth date (a real date, from 1900-01-01 to <paramref name="today"/>)
    /// and check digit, in that order, so the first problem found is reported.
    /// </summary>
    public static bool TryParse(string? raw, DateOnly today, [NotNullWhen(true)] out ResidentIdNumber? id, out IdError error)
    {
        id = null;
        var value = IdentifierNormaliser.Normalise(raw);
        error = Validate(value, today, out var birthDate);
        if (error != IdError.None)
        {
            return false;
        }

        id = new ResidentIdNumber(value, birthDate);
        return true;
    }

    /// <summary>Like <see cref="TryParse"/> but throws <see cref="FormatException"/> with the English description of the error.</summary>
    public static ResidentIdNumber Parse(string raw, DateOnly today) =>
        TryParse(raw, today, out var id, out var error)
            ? id
            : throw new FormatException(IdErrorMessages.Describe(error, "en"));

    /// <summary>
    /// The GB 11643 check character for the first 17 digits: Σ(digit_i × w_i) mod 11 with weights
    /// 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, remainder 0–10 mapped to <c>1 0 X 9 8 7 6 5 4 3 2</c>.
    /// </summary>
    /// <param name="first17">Exactly 17 ASCII digits (an 18-character number is also accepted; its last character is ignored).</param>
    /// <returns>The check character as a one-character string ("0"–"9" or "X").</returns>
    public static string ComputeCheckDigit(string first17) => ComputeCheckChar(first17).ToString();

    internal static char ComputeCheckChar(ReadOnlySpan<char> first17)
    {
        if (first17.Length is not (17 or 18))
        {
            throw new ArgumentException("Expected the first 17 digits of a GB 11643 number.", nameof(first17));
        }

        var sum = 0;
        for (var i = 0; i < 17; i++)
        {
            var c = first17[i];
            if (!char.IsAsciiDigit(c))
            {
                throw new ArgumentException("The first 17 characters of a GB 11643 number must be digits.", nameof(first17));
            }

            sum += (c - '0') * Weights[i];
        }

        return CheckCharacters[sum % 11];
    }

    /// <summary>Validates length, characters, birth date at positions 7–14 and the check digit of a GB 11643-style number; no region check.</summary>
    internal static IdError ValidateStructure(string value, DateOnly today, out DateOnly birthDate)
    {
        birthDate = default;
        var error = CheckLengthAndCharacters(value);
        return error != IdError.None ? error : CheckBirthDateAndCheckDigit(value, today, out birthDate);
    }

    private static IdError Validate(string value, DateOnly today, out DateOnly birthDate)
    {
        birthDate = default;
        var error = CheckLengthAndCharacters(value);
        if (error != IdError.None)
        {
            return error;
        }

        error = CheckRegion(value);
        return error != IdError.None ? error : CheckBirthDateAndCheckDigit(value, today, out birthDate);
    }

    private static IdError CheckLengthAndCharacters(string value)
    {
        if (value.Length == 0)
        {
            return IdError.Empty;
        }

        if (value.Length != Length)
        {
            return IdError.WrongLength;
        }

        for (var i = 0; i < 17; i++)
        {
            if (!char.IsAsciiDigit(value[i]))
            {
                return IdError.InvalidCharacter;
            }
        }

        return char.IsAsciiDigit(value[17]) || value[17] == 'X' ? IdError.None : IdError.InvalidCharacter;
    }

    private static IdError CheckRegion(string value)
    {
        var province = (value[0] - '0') * 10 + (value[1] - '0');
        if (!ProvinceCodes.Contains(province))
        {
            return IdError.InvalidRegionCode;
        }

        // Hong Kong, Macao and Taiwan residents' permits carry the whole-territory code only.
        return province is 81 or 82 or 83 && !value.AsSpan(2, 4).SequenceEqual("0000")
            ? IdError.InvalidRegionCode
            : IdError.None;
    }

    private static IdError CheckBirthDateAndCheckDigit(string value, DateOnly today, out DateOnly birthDate)
    {
        // Positions 7-14 are digits (checked before): yyyyMMdd, read without the general date parser.
        birthDate = default;
        var year = Number(6, 4);
        var month = Number(10, 2);
        var day = Number(12, 2);
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            return IdError.InvalidBirthDate;
        }

        birthDate = new DateOnly(year, month, day);

        if (birthDate < EarliestBirthDate)
        {
            return IdError.BirthDateTooEarly;
        }

        if (birthDate > today)
        {
            return IdError.BirthDateInFuture;
        }

        return ComputeCheckChar(value) == value[17] ? IdError.None : IdError.WrongCheckDigit;

        int Number(int start, int count)
        {
            var number = 0;
            for (var i = start; i < start + count; i++)
            {
                number = number * 10 + (value[i] - '0');
            }

            return number;
        }
    }

    /// <summary>The masked number, e.g. <c>4101**********123X</c>; never the full number.</summary>
    public override string ToString() => Masking.Mask(Value);

    /// <inheritdoc />
    public bool Equals(ResidentIdNumber? other) => other is not null && string.Equals(Value, other.Value, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as ResidentIdNumber);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Value);
}
