using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Shangding.Core.Subjects;

/// <summary>
/// A natural person's certificate number of any <see cref="CertificateType"/>, normalised and
/// format-checked. Resident IDs and HMT residence permits get the full GB 11643 validation; the
/// other types get format checks only, since their numbers carry no public check scheme (except the
/// 2023 foreign permanent resident ID card).
/// </summary>
/// <remarks><see cref="ToString"/> returns the masked number; use <see cref="Value"/> deliberately.</remarks>
public sealed partial class CertificateNumber : IEquatable<CertificateNumber>
{
    private CertificateNumber(CertificateType type, string value)
    {
        Type = type;
        Value = value;
    }

    /// <summary>The certificate type.</summary>
    public CertificateType Type { get; }

    /// <summary>The normalised number (see <see cref="IdentifierNormaliser"/>).</summary>
    public string Value { get; }

    /// <summary>
    /// Normalises <paramref name="raw"/> and checks it against the format of <paramref name="type"/>:
    /// <list type="bullet">
    /// <item><see cref="CertificateType.ResidentId"/>: <see cref="ResidentIdNumber.TryParse"/>.</item>
    /// <item><see cref="CertificateType.Passport"/>: <see cref="IsPassportFormat"/>.</item>
    /// <item><see cref="CertificateType.HongKongMacauPermit"/>: <see cref="IsHongKongMacauPermitFormat"/>.</item>
    /// <item><see cref="CertificateType.TaiwanPermit"/>: <see cref="IsTaiwanPermitFormat"/>.</item>
    /// <item><see cref="CertificateType.ForeignPermanentResidence"/>: <see cref="ValidateForeignPermanentResidence"/>.</item>
    /// <item><see cref="CertificateType.HmtResidencePermit"/>: GB 11643 validation with region code 810000, 820000 or 830000.</item>
    /// </list>
    /// </summary>
    /// <param name="today">Birth dates embedded in the number must not be after this date.</param>
    public static bool TryParse(CertificateType type, string? raw, DateOnly today, [NotNullWhen(true)] out CertificateNumber? number, out IdError error)
    {
        number = null;
        var value = IdentifierNormaliser.Normalise(raw);
        error = value.Length == 0 ? IdError.Empty : Validate(type, value, today);
        if (error != IdError.None)
        {
            return false;
        }

        number = new CertificateNumber(type, value);
        return true;
    }

    private static IdError Validate(CertificateType type, string value, DateOnly today) => type switch
    {
        CertificateType.ResidentId =>
            ResidentIdNumber.TryParse(value, today, out _, out var error) ? IdError.None : error,
        CertificateType.HmtResidencePermit => ValidateHmtResidencePermit(value, today),
        CertificateType.Passport => IsPassportFormat(value) ? IdError.None : IdError.InvalidFormat,
        CertificateType.HongKongMacauPermit => IsHongKongMacauPermitFormat(value) ? IdError.None : IdError.InvalidFormat,
        CertificateType.TaiwanPermit => IsTaiwanPermitFormat(value) ? IdError.None : IdError.InvalidFormat,
        CertificateType.ForeignPermanentResidence => ValidateForeignPermanentResidence(value, today),
        _ => IdError.UnknownCertificateType,
    };

    /// <summary>
    /// Passport numbers, Chinese or foreign: 5–17 ASCII letters and digits with at least one digit.
    /// The catalogue does not record the issuing state, so Chinese and foreign passports share this
    /// rule; <see cref="IsChineseOrdinaryPassportFormat"/> tells whether a number has the Chinese form.
    /// </summary>
    /// <remarks>
    /// Sources: ICAO Doc 9303 Part 4 (the machine-readable zone holds a 9-character document number; a
    /// longer number continues in the optional data field, so numbers beyond 9 characters exist). The
    /// 5–17 bounds are the platform's own tolerance, not an ICAO rule; review them if real data
    /// shows otherwise.
    /// </remarks>
    public static bool IsPassportFormat(string normalised) => PassportRegex().IsMatch(normalised);

    /// <summary>
    /// Chinese ordinary passports (普通护照): <c>E</c> + 8 digits (electronic passports from 2012),
    /// <c>E</c> + a letter + 7 digits (issued after the E + 8 digit series ran out, e.g. <c>EA1234567</c>),
    /// or <c>G</c> + 8 digits (the earlier series).
    /// </summary>
    /// <remarks>Source: 公安部出入境管理局 notices on the electronic ordinary passport issued from 2012-05-15; the
    /// E + letter series as printed on passports issued since.</remarks>
    public static bool IsChineseOrdinaryPassportFormat(string normalised) => ChinesePassportRegex().IsMatch(normalised);

    /// <summary>
    /// 港澳居民来往内地通行证: <c>H</c> (Hong Kong) or <c>M</c> (Macao) + 8 digits, optionally followed by the
    /// 2-digit issue counter printed on permits (so 8 or 10 digits).
    /// </summary>
    /// <remarks>Source: the card-type 港澳居民来往内地通行证 issued by 公安部出入境管理局 since 2012–2013: a permanent
    /// number H/M + 8 digits, printed with a 2-digit issue count.</remarks>
    public static bool IsHongKongMacauPermitFormat(string normalised) => HongKongMacauPermitRegex().IsMatch(normalised);

    /// <summary>
    /// 台湾居民来往大陆通行证: 8 digits (the card-type permit since 2015), 10 digits (8 digits + 2-digit issue
    /// count), or, on older booklet permits, 8 digits + 1–2 letters, possibly in parentheses (e.g. <c>12345678(B)</c>).
    /// </summary>
    /// <remarks>Source: 公安部出入境管理局 announcement on the card-type 台湾居民来往大陆通行证, in issue from 2015-09-21.</remarks>
    public static bool IsTaiwanPermitFormat(string normalised) => TaiwanPermitRegex().IsMatch(normalised);

    /// <summary>
    /// 外国人永久居留身份证. The 2017 card (and the 2004 card before it): 15 characters, a 3-letter
    /// ISO 3166-1 alpha-3 nationality code + 12 digits. The 2023 card: 18 characters beginning with
    /// <c>9</c>, laid out like a GB 11643 number (birth date yyyyMMdd at positions 7–14) with the same
    /// MOD 11-2 check digit, so the birth date and check digit are validated too.
    /// </summary>
    /// <remarks>Source: 国家移民管理局 announcement of 2023-11 on the new 外国人永久居留身份证, issued from 2023-12-01 (18-character number starting with 9).</remarks>
    public static IdError ValidateForeignPermanentResidence(string normalised, DateOnly today)
    {
        if (OldForeignPermanentResidenceRegex().IsMatch(normalised))
        {
            return IdError.None;
        }

        if (normalised.Length == ResidentIdNumber.Length && normalised[0] == '9')
        {
            return ResidentIdNumber.ValidateStructure(normalised, today, out _);
        }

        return IdError.InvalidFormat;
    }

    private static IdError ValidateHmtResidencePermit(string value, DateOnly today)
    {
        if (!ResidentIdNumber.TryParse(value, today, out var id, out var error))
        {
            return error;
        }

        return id.IsHmtResidencePermit ? IdError.None : IdError.InvalidRegionCode;
    }

    [GeneratedRegex("^(?=.*[0-9])[A-Z0-9]{5,17}$", RegexOptions.CultureInvariant)]
    private static partial Regex PassportRegex();

    [GeneratedRegex("^(?:[EG][0-9]{8}|E[A-Z][0-9]{7})$", RegexOptions.CultureInvariant)]
    private static partial Regex ChinesePassportRegex();

    [GeneratedRegex("^[HM][0-9]{8}(?:[0-9]{2})?$", RegexOptions.CultureInvariant)]
    private static partial Regex HongKongMacauPermitRegex();

    [GeneratedRegex(@"^[0-9]{8}(?:[0-9]{2}|[A-Z]{1,2}|\([A-Z]{1,2}\))?$", RegexOptions.CultureInvariant)]
    private static partial Regex TaiwanPermitRegex();

    [GeneratedRegex("^[A-Z]{3}[0-9]{12}$", RegexOptions.CultureInvariant)]
    private static partial Regex OldForeignPermanentResidenceRegex();

    /// <summary>The masked number; never the full number.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Type}:{Masking.Mask(Value)}");

    /// <inheritdoc />
    public bool Equals(CertificateNumber? other) =>
        other is not null && Type == other.Type && string.Equals(Value, other.Value, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as CertificateNumber);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Type, StringComparer.Ordinal.GetHashCode(Value));
}
