using System.Diagnostics.CodeAnalysis;

namespace Shangding.Core.Subjects;

/// <summary>
/// A unified social credit code (统一社会信用代码) per GB 32100-2015: 18 characters over
/// <c>0123456789ABCDEFGHJKLMNPQRTUWXY</c> (I, O, Z, S, V are never used). Position 1 is the
/// registration authority code, 2 the organisation type code, 3–8 the administrative region code,
/// 9–17 the organisation code (GB 11714) and 18 the check character.
/// </summary>
/// <remarks>
/// Only the 18th character is verified. Positions 9–17 embed a GB 11714 organisation code with its
/// own check character (position 17); that check is deliberately not repeated here, because the
/// GB 32100 check character already covers all 17 positions and a second check would only add a way
/// to refuse a code that the registry itself issued.
/// The authority and type codes (positions 1–2) are not checked against a list either, because
/// the list has grown by amendment since 2015 (e.g. N for rural collective economic organisations).
/// Organisations' codes are public information, so <see cref="ToString"/> returns the full code.
/// </remarks>
public sealed class UnifiedSocialCreditCode : IEquatable<UnifiedSocialCreditCode>
{
    /// <summary>The length of a unified social credit code.</summary>
    public const int Length = 18;

    /// <summary>The 31 characters of the GB 32100 alphabet, in the order of their numeric values 0–30.</summary>
    public const string Alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";

    // w_i = 3^(i-1) mod 31, i = 1..17.
    private static readonly int[] Weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

    private UnifiedSocialCreditCode(string value) => Value = value;

    /// <summary>The normalised 18-character code.</summary>
    public string Value { get; }

    /// <summary>Position 1: the registration authority code (e.g. 9 for market regulation, 5 for civil affairs).</summary>
    public char RegistrationAuthorityCode => Value[0];

    /// <summary>Position 2: the organisation type code within the registration authority (e.g. 1 for enterprise).</summary>
    public char OrganisationTypeCode => Value[1];

    /// <summary>Positions 3–8: the administrative region code of the registration authority.</summary>
    public string RegionCode => Value.Substring(2, 6);

    /// <summary>Positions 9–17: the organisation code (GB 11714) including its own check character.</summary>
    public string OrganisationCode => Value.Substring(8, 9);

    /// <summary>
    /// Normalises <paramref name="raw"/> (see <see cref="IdentifierNormaliser"/>) and validates length,
    /// alphabet (reporting I, O, Z, S, V as <see cref="IdError.ForbiddenLetter"/>) and the check character.
    /// </summary>
    public static bool TryParse(string? raw, [NotNullWhen(true)] out UnifiedSocialCreditCode? code, out IdError error)
    {
        code = null;
        var value = IdentifierNormaliser.Normalise(raw);
        error = Validate(value);
        if (error != IdError.None)
        {
            return false;
        }

        code = new UnifiedSocialCreditCode(value);
        return true;
    }

    /// <summary>Like <see cref="TryParse"/> but throws <see cref="FormatException"/> with the English description of the error.</summary>
    public static UnifiedSocialCreditCode Parse(string raw) =>
        TryParse(raw, out var code, out var error)
            ? code
            : throw new FormatException(IdErrorMessages.Describe(error, "en"));

    /// <summary>
    /// The GB 32100 check character for the first 17 characters:
    /// C18 = (31 − Σ(value_i × w_i) mod 31) mod 31 with w_i = 3^(i−1) mod 31, mapped back to <see cref="Alphabet"/>.
    /// </summary>
    /// <param name="first17">The first 17 characters over <see cref="Alphabet"/> (an 18-character code is also accepted; its last character is ignored).</param>
    public static char ComputeCheckCharacter(string first17)
    {
        if (first17 is null || first17.Length is not (17 or 18))
        {
            throw new ArgumentException("Expected the first 17 characters of a unified social credit code.", nameof(first17));
        }

        var sum = 0;
        for (var i = 0; i < 17; i++)
        {
            var value = Alphabet.IndexOf(first17[i], StringComparison.Ordinal);
            if (value < 0)
            {
                throw new ArgumentException($"'{first17[i]}' is not in the GB 32100 alphabet.", nameof(first17));
            }

            sum += value * Weights[i];
        }

        return Alphabet[(31 - sum % 31) % 31];
    }

    private static IdError Validate(string value)
    {
        if (value.Length == 0)
        {
            return IdError.Empty;
        }

        if (value.Length != Length)
        {
            return IdError.WrongLength;
        }

        foreach (var c in value)
        {
            if (c is 'I' or 'O' or 'Z' or 'S' or 'V')
            {
                return IdError.ForbiddenLetter;
            }

            if (!Alphabet.Contains(c, StringComparison.Ordinal))
            {
                return IdError.InvalidCharacter;
            }
        }

        return ComputeCheckCharacter(value) == value[17] ? IdError.None : IdError.WrongCheckCharacter;
    }

    /// <summary>The full code: organisations' codes are public.</summary>
    public override string ToString() => Value;

    /// <inheritdoc />
    public bool Equals(UnifiedSocialCreditCode? other) => other is not null && string.Equals(Value, other.Value, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as UnifiedSocialCreditCode);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Value);
}
