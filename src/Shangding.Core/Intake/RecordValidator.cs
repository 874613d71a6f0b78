using System.Globalization;
using System.Text.RegularExpressions;
using Shangding.Core.Catalog;
using Shangding.Core.Subjects;

namespace Shangding.Core.Intake;

/// <summary>
/// Validates rows of one category against its catalogue definition — the same rules for every
/// channel — and brings accepted values to one stored form (ISO dates, numbers, canonical labels,
/// normalised identifiers).
/// </summary>
public sealed partial class RecordValidator
{
    private static readonly string[] DateFormats =
    [
        "yyyy-MM-dd", "yyyy-M-d", "yyyy/MM/dd", "yyyy/M/d", "yyyy.MM.dd", "yyyy.M.d", "yyyyMMdd", "yyyy年M月d日",
    ];

    private static readonly string[] DateTimeFormats =
    [
        "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-M-d H:mm:ss", "yyyy-M-d H:mm", "yyyy/M/d H:mm:ss", "yyyy/M/d H:mm",
        "yyyy-MM-ddTHH:mm:ss", "yyyy-MM-ddTHH:mm", "yyyy年M月d日 H:mm", "yyyy年M月d日H时m分",
    ];

    // Exactly what \s matches in .NET regular expressions: [\f\n\r\t\v\x85\p{Z}].
    private static readonly System.Buffers.SearchValues<char> WhiteSpace = System.Buffers.SearchValues.Create(
        Enumerable.Range(0, char.MaxValue + 1).Select(c => (char)c).Where(char.IsWhiteSpace).ToArray());

    private readonly Category _category;
    private readonly FieldLayout _layout;
    private readonly DateOnly _today;
    private readonly List<(int Start, int End)> _datePairs = [];
    private readonly FieldDefinition? _idTypeField;
    private readonly int _actDateField;
    private readonly int _nameField;
    private readonly int _idField;
    private readonly int _idTypeIndex;
    private readonly string? _severity;

    public RecordValidator(Category category, DateOnly today)
    {
        _category = category;
        _layout = FieldLayout.Of(category);
        _today = today;
        _idTypeField = category.SubjectIdTypeField.Length > 0 ? category.FindField(category.SubjectIdTypeField) : null;
        _actDateField = category.ActDateField is { } act ? _layout.Index.GetValueOrDefault(act, -1) : -1;
        _nameField = _layout.Index[category.SubjectNameField];
        _idField = _layout.Index[category.SubjectIdField];
        _idTypeIndex = _layout.Index.GetValueOrDefault(category.SubjectIdTypeField, -1);
        _severity = category.Severity?.ToString();
        foreach (var start in category.Fields.Where(f => f.Type == FieldType.Date && f.Code.EndsWith("_from", StringComparison.Ordinal)))
        {
            var prefix = start.Code[..^"_from".Length];
            var end = category.FindField(prefix + "_to") ?? category.FindField(prefix + "_counted_to");
            if (end is { Type: FieldType.Date })
            {
                _datePairs.Add((_layout.Index[start.Code], _layout.Index[end.Code]));
            }
        }
    }

    public Category Category => _category;

    public RowResult Validate(IntakeRow row)
    {
        var reasons = new List<IntakeReason>();
        var key = Clean(row.Get(IntakeColumns.RecordKey));
        if (key is null)
        {
            reasons.Add(IntakeMessages.RecordKeyRequired());
        }
        else if (key.Length > 64)
        {
            reasons.Add(IntakeMessages.TooLong(IntakeColumns.Find(IntakeColumns.RecordKey)!, 64));
        }

        var actionText = Clean(row.Get(IntakeColumns.Action));
        var action = IntakeAction.Upsert;
        if (actionText is not null)
        {
            if (actionText is IntakeColumns.WithdrawValue || actionText.Equals("withdraw", StringComparison.OrdinalIgnoreCase))
            {
                action = IntakeAction.Withdraw;
            }
            else if (actionText is not ("新增" or "更新" or "新增或更新") && !actionText.Equals("upsert", StringComparison.OrdinalIgnoreCase))
            {
                // The clerk's intent is unclear: say only that, not what an upsert would lack.
                reasons.Add(IntakeMessages.BadAction(actionText));
                return new RowResult(null, reasons);
            }
        }

        if (action == IntakeAction.Withdraw)
        {
            // Withdrawing needs only the key: the rest of the row is not looked at.
            return reasons.Count > 0
                ? new RowResult(null, reasons)
                : new RowResult(new ValidatedRecord(row.RowNumber, key!, action, _category.Code, null, null, null, new Dictionary<string, object?>()), []);
        }

        // Values and dates by the field's position in the category (FieldLayout): no dictionary per row.
        var fields = _layout.Codes.Count;
        var values = new object?[fields];
        var dates = new DateOnly?[fields];
        CertificateType? certificateType = null;
        if (_idTypeField is not null)
        {
            var raw = Clean(row.Get(_idTypeField.Code));
            if (raw is not null && CertificateTypes.TryParse(raw, out var parsed))
            {
                certificateType = parsed;
            }
        }

        var definitions = _category.Fields;
        for (var i = 0; i < fields; i++)
        {
            var field = definitions[i];
            values[i] = ValidateField(field, Clean(row.Get(field.Code)), certificateType, reasons, out dates[i]);
        }

        foreach (var (start, end) in _datePairs)
        {
            if (dates[start] is { } s && dates[end] is { } e && e < s)
            {
                reasons.Add(IntakeMessages.DateOrder(definitions[start], definitions[end]));
            }
        }

        DateOnly? actDate = null;
        if (_actDateField >= 0)
        {
            actDate = dates[_actDateField];
        }
        else
        {
            var envelope = IntakeColumns.Find(IntakeColumns.ActDate)!;
            var raw = Clean(row.Get(IntakeColumns.ActDate));
            if (raw is null)
            {
                reasons.Add(IntakeMessages.ActDateRequired());
            }
            else if (ParseDate(raw) is not { } parsed)
            {
                reasons.Add(IntakeMessages.BadDate(envelope, raw));
            }
            else if (parsed > _today)
            {
                reasons.Add(IntakeMessages.FutureDate(envelope, parsed));
            }
            else
            {
                actDate = parsed;
            }
        }

        var excluded = CheckExclusions(row, reasons);
        if (reasons.Count > 0 || excluded is not null)
        {
            if (excluded is not null && reasons.Count == 0)
            {
                reasons.Add(excluded);
            }

            return new RowResult(null, reasons);
        }

        var subject = BuildSubject(values);
        return new RowResult(new ValidatedRecord(row.RowNumber, key!, action, _category.Code, subject, actDate, _severity, new RecordFieldDictionary(_layout, values)), []);
    }

    private IntakeReason? CheckExclusions(IntakeRow row, List<IntakeReason> reasons)
    {
        IntakeReason? excluded = null;
        if (IntakeColumns.HasEpidemicFlag(_category) && Flag(row, IntakeColumns.EpidemicSme, reasons) == true)
        {
            excluded = IntakeMessages.EpidemicSme();
        }

        if (IntakeColumns.HasSimplifiedFlag(_category) && Flag(row, IntakeColumns.SimplifiedRemedied, reasons) == true)
        {
            excluded = IntakeMessages.SimplifiedRemedied();
        }

        return excluded;
    }

    private static bool? Flag(IntakeRow row, string column, List<IntakeReason> reasons)
    {
        var raw = Clean(row.Get(column));
        switch (raw)
        {
            case null:
                return null;
            case "是" or "Y" or "y" or "yes" or "Yes" or "true" or "1":
                return true;
            case "否" or "N" or "n" or "no" or "No" or "false" or "0":
                return false;
            default:
                reasons.Add(IntakeMessages.BadFlag(column, raw));
                return null;
        }
    }

    private SubjectIdentity BuildSubject(object?[] values)
    {
        var name = (string)values[_nameField]!;
        var id = (string)values[_idField]!;
        if (_category.SubjectKind == SubjectKind.Organisation)
        {
            return new SubjectIdentity(SubjectKind.Organisation, "Uscc", id, name, null, null);
        }

        var type = CertificateTypes.TryParse(_idTypeIndex >= 0 ? (string?)values[_idTypeIndex] : null, out var t) ? t : CertificateType.ResidentId;
        DateOnly? birth = null;
        string? sex = null;
        if (type is CertificateType.ResidentId or CertificateType.HmtResidencePermit && ResidentIdNumber.TryParse(id, _today, out var resident, out _))
        {
            birth = resident.BirthDate;
            sex = resident.Sex == Sex.Male ? "M" : "F";
        }

        return new SubjectIdentity(SubjectKind.Person, type.ToString(), id, name, birth, sex);
    }

    private object? ValidateField(FieldDefinition field, string? raw, CertificateType? certificateType, List<IntakeReason> reasons, out DateOnly? parsedDate)
    {
        parsedDate = null;
        if (raw is null)
        {
            if (field.Required)
            {
                reasons.Add(IntakeMessages.Required(field));
            }

            return null;
        }

        if (field.MaxLength is { } max && raw.Length > max)
        {
            reasons.Add(IntakeMessages.TooLong(field, max));
            return null;
        }

        switch (field.Type)
        {
            case FieldType.Date:
                // Most dates arrive as yyyy-MM-dd (Excel dates come so from the reader): then the text is already the stored form.
                var iso = TryParseIsoDate(raw, out var isoDate);
                if ((iso ? isoDate : ParseDate(raw)) is not { } date)
                {
                    reasons.Add(IntakeMessages.BadDate(field, raw));
                    return null;
                }

                if (date > _today && !MayBeInFuture(field))
                {
                    reasons.Add(IntakeMessages.FutureDate(field, date));
                    return null;
                }

                parsedDate = date;
                return iso ? raw : IsoDate.Format(date);

            case FieldType.DateTime:
                if (!DateTime.TryParseExact(raw, DateTimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var dateTime))
                {
                    if (ParseDate(raw) is { } dateOnly)
                    {
                        dateTime = dateOnly.ToDateTime(TimeOnly.MinValue);
                    }
                    else
                    {
                        reasons.Add(IntakeMessages.BadDate(field, raw));
                        return null;
                    }
                }

                if (DateOnly.FromDateTime(dateTime) > _today)
                {
                    reasons.Add(IntakeMessages.FutureDate(field, DateOnly.FromDateTime(dateTime)));
                    return null;
                }

                parsedDate = DateOnly.FromDateTime(dateTime);
                return dateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

            case FieldType.Integer:
                if (!long.TryParse(StripNumber(raw), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
                {
                    if (decimal.TryParse(StripNumber(raw), NumberStyles.Number, CultureInfo.InvariantCulture, out var whole) && whole == decimal.Truncate(whole))
                    {
                        // "12.0" or "1,200" is whole; one past a long's range is refused here (the cast would throw).
                        if (whole > long.MaxValue || whole < long.MinValue)
                        {
                            reasons.Add(whole > 0 ? IntakeMessages.IntegerTooLarge(field, raw) : IntakeMessages.Negative(field));
                            return null;
                        }

                        integer = (long)whole;
                    }
                    else
                    {
                        reasons.Add(IntakeMessages.BadInteger(field, raw));
                        return null;
                    }
                }

                if (integer < 0)
                {
                    reasons.Add(IntakeMessages.Negative(field));
                    return null;
                }

                return integer;

            case FieldType.Decimal:
            case FieldType.Money:
                if (!decimal.TryParse(StripNumber(raw), NumberStyles.Number, CultureInfo.InvariantCulture, out var number))
                {
                    reasons.Add(IntakeMessages.BadNumber(field, raw));
                    return null;
                }

                if (number < 0)
                {
                    reasons.Add(IntakeMessages.Negative(field));
                    return null;
                }

                return number;

            case FieldType.Enum:
                if (!field.AllowedValues.Contains(raw, StringComparer.Ordinal))
                {
                    reasons.Add(IntakeMessages.NotAllowed(field, raw));
                    return null;
                }

                return raw;

            case FieldType.IdType:
                if (!CertificateTypes.TryParse(raw, out var type))
                {
                    reasons.Add(IntakeMessages.NotAllowed(field, raw));
                    return null;
                }

                return type.Label("zh-CN");

            case FieldType.IdNumber:
                if (!CertificateNumber.TryParse(certificateType ?? CertificateType.ResidentId, raw, _today, out var certificate, out var idError))
                {
                    reasons.Add(IntakeMessages.BadIdentifier(field, idError));
                    return null;
                }

                return certificate.Value;

            case FieldType.Uscc:
                if (!UnifiedSocialCreditCode.TryParse(raw, out var uscc, out var usccError))
                {
                    reasons.Add(IntakeMessages.BadIdentifier(field, usccError));
                    return null;
                }

                return uscc.Value;

            case FieldType.PlateNumber:
                var plate = IdentifierNormaliser.Normalise(raw);
                if (!PlateRegex().IsMatch(plate))
                {
                    reasons.Add(IntakeMessages.BadPlate(field, raw));
                    return null;
                }

                return plate;

            case FieldType.Name:
                // Runs of white space become one space; a name without any needs no regex.
                return raw.AsSpan().ContainsAny(WhiteSpace) ? SpacesRegex().Replace(raw, " ") : raw;

            default:
                return raw;
        }
    }

    private static bool MayBeInFuture(FieldDefinition field) =>
        field.Code == "valid_to" || field.Code.EndsWith("_until", StringComparison.Ordinal);

    /// <summary>Parses the date spellings clerks use; Excel dates arrive already as yyyy-MM-dd from the reader.</summary>
    public static DateOnly? ParseDate(string raw)
    {
        var text = raw.Trim();
        if (TryParseIsoDate(text, out var iso))
        {
            return iso;
        }

        if (text.Length > 10 && (text[10] == ' ' || text[10] == 'T') && text[..10].Count(c => c == '-') == 2)
        {
            // "2026-03-01 00:00:00" from a date-time cell.
            text = text[..10];
        }

        return DateOnly.TryParseExact(text, DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date : null;
    }

    // The common spelling, yyyy-MM-dd, without the format search (the same dates the first format accepts).
    private static bool TryParseIsoDate(string text, out DateOnly date)
    {
        date = default;
        if (text.Length != 10 || text[4] != '-' || text[7] != '-')
        {
            return false;
        }

        var year = Digits(text, 0, 4);
        var month = Digits(text, 5, 2);
        var day = Digits(text, 8, 2);
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            return false;
        }

        date = new DateOnly(year, month, day);
        return true;

        static int Digits(string text, int start, int count)
        {
            var value = 0;
            for (var i = start; i < start + count; i++)
            {
                if (text[i] is < '0' or > '9')
                {
                    return -1;
                }

                value = value * 10 + (text[i] - '0');
            }

            return value;
        }
    }

    private static readonly System.Buffers.SearchValues<char> NumberDecorations = System.Buffers.SearchValues.Create(",，¥￥元");

    private static string StripNumber(string raw) => !raw.AsSpan().ContainsAny(NumberDecorations) ? raw.Trim() :
        raw.Replace(",", "", StringComparison.Ordinal).Replace("，", "", StringComparison.Ordinal)
            .Replace("¥", "", StringComparison.Ordinal).Replace("￥", "", StringComparison.Ordinal)
            .Replace("元", "", StringComparison.Ordinal).Trim();

    /// <summary>Trims (including full-width spaces); empty becomes null.</summary>
    public static string? Clean(string? raw)
    {
        if (raw is null)
        {
            return null;
        }

        var trimmed = raw.Trim().Trim('\u3000', '\u00a0', '\u200b', '\ufeff');
        return trimmed.Length == 0 ? null : trimmed;
    }

    // Mainland plates: province character, a letter, then 5 (ordinary) or 6 (new-energy) letters/digits,
    // optionally ending in 挂/学/警/港/澳/领/使.
    [GeneratedRegex("^[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领][A-Z][A-Z0-9]{4,6}[挂学警港澳领使]?$")]
    private static partial Regex PlateRegex();

    [GeneratedRegex(@"\s+")]
    private static partial Regex SpacesRegex();
}
