namespace Shangding.Core.Subjects;

/// <summary>The certificate types of the catalogue's 证件类型 enumeration for natural persons.</summary>
public enum CertificateType
{
    /// <summary>居民身份证 (GB 11643 citizen identity number).</summary>
    ResidentId,

    /// <summary>护照, Chinese or foreign.</summary>
    Passport,

    /// <summary>港澳居民来往内地通行证 (“回乡证”).</summary>
    HongKongMacauPermit,

    /// <summary>台湾居民来往大陆通行证 (“台胞证”).</summary>
    TaiwanPermit,

    /// <summary>外国人永久居留身份证.</summary>
    ForeignPermanentResidence,

    /// <summary>港澳台居民居住证.</summary>
    HmtResidencePermit,
}

/// <summary>Labels of <see cref="CertificateType"/> and parsing of the catalogue's Chinese labels.</summary>
public static class CertificateTypes
{
    private static readonly Dictionary<CertificateType, (string Zh, string En)> Labels = new()
    {
        [CertificateType.ResidentId] = ("居民身份证", "Resident ID card"),
        [CertificateType.Passport] = ("护照", "Passport"),
        [CertificateType.HongKongMacauPermit] = ("港澳居民来往内地通行证", "Mainland travel permit for Hong Kong and Macao residents"),
        [CertificateType.TaiwanPermit] = ("台湾居民来往大陆通行证", "Mainland travel permit for Taiwan residents"),
        [CertificateType.ForeignPermanentResidence] = ("外国人永久居留身份证", "Foreign permanent resident ID card"),
        [CertificateType.HmtResidencePermit] = ("港澳台居民居住证", "Residence permit for Hong Kong, Macao and Taiwan residents"),
    };

    // Spellings seen in unit submissions besides the official labels. "港澳通行证" is deliberately
    // absent: it usually means 往来港澳通行证, the mainland residents' permit to travel *to* Hong Kong.
    private static readonly Dictionary<string, CertificateType> Aliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["身份证"] = CertificateType.ResidentId,
        ["居民身份证"] = CertificateType.ResidentId,
        ["中华人民共和国居民身份证"] = CertificateType.ResidentId,
        ["二代身份证"] = CertificateType.ResidentId,
        ["第二代居民身份证"] = CertificateType.ResidentId,
        ["身份证号"] = CertificateType.ResidentId,
        ["身份证号码"] = CertificateType.ResidentId,
        ["公民身份号码"] = CertificateType.ResidentId,
        ["护照"] = CertificateType.Passport,
        ["中国护照"] = CertificateType.Passport,
        ["外国护照"] = CertificateType.Passport,
        ["普通护照"] = CertificateType.Passport,
        ["港澳居民来往内地通行证"] = CertificateType.HongKongMacauPermit,
        ["港澳居民往来内地通行证"] = CertificateType.HongKongMacauPermit,
        ["回乡证"] = CertificateType.HongKongMacauPermit,
        ["台湾居民来往大陆通行证"] = CertificateType.TaiwanPermit,
        ["台湾居民往来大陆通行证"] = CertificateType.TaiwanPermit,
        ["台胞证"] = CertificateType.TaiwanPermit,
        ["外国人永久居留身份证"] = CertificateType.ForeignPermanentResidence,
        ["外国人永久居留证"] = CertificateType.ForeignPermanentResidence,
        ["外国人永久居留身份证件"] = CertificateType.ForeignPermanentResidence,
        ["永久居留身份证"] = CertificateType.ForeignPermanentResidence,
        ["永居证"] = CertificateType.ForeignPermanentResidence,
        ["港澳台居民居住证"] = CertificateType.HmtResidencePermit,
        ["港澳居民居住证"] = CertificateType.HmtResidencePermit,
        ["台湾居民居住证"] = CertificateType.HmtResidencePermit,
    };

    /// <summary>The label of <paramref name="type"/>: English for cultures starting with <c>en</c>, otherwise the catalogue's Chinese label.</summary>
    public static string Label(this CertificateType type, string? culture = "zh-CN")
    {
        if (!Labels.TryGetValue(type, out var label))
        {
            throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown certificate type.");
        }

        return culture is not null && culture.StartsWith("en", StringComparison.OrdinalIgnoreCase) ? label.En : label.Zh;
    }

    /// <summary>
    /// Parses a certificate type label: the catalogue's Chinese labels (居民身份证, 护照, 港澳居民来往内地通行证,
    /// 台湾居民来往大陆通行证, 外国人永久居留身份证, 港澳台居民居住证), common aliases (身份证, 回乡证, 台胞证 …),
    /// the English labels and the enum names. White space and full-width letters are ignored.
    /// </summary>
    public static bool TryParse(string? label, out CertificateType type)
    {
        type = default;
        var key = IdentifierNormaliser.Normalise(label);
        if (key.Length == 0)
        {
            return false;
        }

        if (Aliases.TryGetValue(key, out type))
        {
            return true;
        }

        foreach (var (candidate, labels) in Labels)
        {
            if (string.Equals(key, IdentifierNormaliser.Normalise(labels.En), StringComparison.OrdinalIgnoreCase)
                || string.Equals(key, candidate.ToString(), StringComparison.OrdinalIgnoreCase))
            {
                type = candidate;
                return true;
            }
        }

        return false;
    }
}
