using System.Globalization;
using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Core.Intake;
using Shangding.Core.Scoring;
using Shangding.Core.Subjects;

namespace Shangding.Core.Remedies;

/// <summary>
/// Builds the intake rows remedies send through the one pipeline: a withdrawal of a record, a
/// record as stored with corrections laid over it, or a new record from an approved self-report.
/// </summary>
/// <remarks>
/// A withdrawal and a correction are made from the record as read, so they expect its version
/// (<see cref="IntakeRow.ExpectedVersion"/>): if someone else changed it before the batch is written,
/// the row is refused instead of laying the old values back over that change.
/// </remarks>
public static class RecordRows
{
    public static IntakeRow Withdrawal(CreditRecord record) => new(1, null, new Dictionary<string, string?>
    {
        [IntakeColumns.RecordKey] = record.RecordKey,
        [IntakeColumns.Action] = IntakeColumns.WithdrawValue,
    }, [])
    {
        ExpectedVersion = record.Version,
    };

    /// <summary>The fields a unit may correct: the category's fields without the subject's identity, and the act date where it is separate.</summary>
    public static IReadOnlyList<FieldDefinition> EditableFields(Category category) =>
        [.. IntakeColumns.For(category).Where(f => f.Code != IntakeColumns.RecordKey && f.Code != IntakeColumns.Action
            && f.Code != IntakeColumns.EpidemicSme && f.Code != IntakeColumns.SimplifiedRemedied
            && f.Code != category.SubjectNameField && f.Code != category.SubjectIdTypeField && f.Code != category.SubjectIdField)];

    /// <summary>The record's current values by column code, as a unit would type them (amounts of money with two decimals).</summary>
    public static Dictionary<string, string?> CurrentValues(Category category, CreditRecord record)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (code, value) in ScoringRecord.ParseFields(record.FieldsJson))
        {
            values[code] = value;
        }

        foreach (var field in category.Fields)
        {
            if (field.Type == FieldType.Money && values.GetValueOrDefault(field.Code) is { } stored)
            {
                values[field.Code] = MoneyText(stored);
            }
        }

        if (category.ActDateField is null && record.ActDate is { } act)
        {
            values[IntakeColumns.ActDate] = act.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        }

        return values;
    }

    /// <summary>
    /// An amount of money as people write it: at least two decimals (820.5 is stored, 820.50 shown; 0.125 stays). Text that is
    /// not a number comes back as it is.
    /// </summary>
    public static string MoneyText(string value) =>
        decimal.TryParse(value, NumberStyles.Number, CultureInfo.InvariantCulture, out var amount)
            ? (amount.Scale >= 2 ? amount : amount + 0.00m).ToString(CultureInfo.InvariantCulture)
            : value;

    /// <summary>
    /// The stored record with <paramref name="corrections"/> (editable fields only) laid over it, under the same record key,
    /// expecting the record's version.
    /// </summary>
    public static IntakeRow Correction(Category category, CreditRecord record, Subject subject, IdentityProtector protector,
        IReadOnlyDictionary<string, string?> corrections)
    {
        var values = CurrentValues(category, record);
        foreach (var field in EditableFields(category))
        {
            if (corrections.TryGetValue(field.Code, out var value))
            {
                values[field.Code] = value;
            }
        }

        AddIdentity(category, subject, protector, values);
        values[IntakeColumns.RecordKey] = record.RecordKey;
        return new IntakeRow(1, null, values, []) { ExpectedVersion = record.Version };
    }

    /// <summary>A new record about <paramref name="subject"/> with the given category fields.</summary>
    public static IntakeRow NewRecord(Category category, string recordKey, Subject subject, IdentityProtector protector, IReadOnlyDictionary<string, string?> fields)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var field in EditableFields(category))
        {
            if (fields.TryGetValue(field.Code, out var value))
            {
                values[field.Code] = value;
            }
        }

        AddIdentity(category, subject, protector, values);
        values[IntakeColumns.RecordKey] = recordKey;
        return new IntakeRow(1, null, values, []);
    }

    private static void AddIdentity(Category category, Subject subject, IdentityProtector protector, Dictionary<string, string?> values)
    {
        values[category.SubjectNameField] = subject.Name;
        values[category.SubjectIdField] = protector.Decrypt(subject.IdCipher);
        if (category.SubjectIdTypeField.Length > 0)
        {
            values[category.SubjectIdTypeField] = Enum.TryParse<CertificateType>(subject.CertType, out var type)
                ? type.Label("zh-CN")
                : subject.CertType;
        }
    }
}
