using Shangding.Core.Catalog;
using Shangding.Core.Intake;
using Shangding.Core.Subjects;
using Shangding.Web.Localization;

namespace Shangding.Web.Pages.Unit;

/// <summary>One field of a record's form (single entry, a correction, a dispute's correction): the catalogue's field, its value and its error.</summary>
public sealed record RecordFieldView(FieldDefinition Field, string? Value, string? Error)
{
    /// <summary>The input's id, which the form's error summary links to.</summary>
    public string InputId => "f_" + Field.Code;
}

/// <summary>How a clerk's forms show the catalogue's fields and values.</summary>
public static class RecordFields
{
    /// <summary>
    /// The stored fields of a record whose category is no longer in the catalogue, by the codes they were stored under (the
    /// category's names and types went with it), to be read only. The subject's identity is not among them (it is kept on the
    /// subject); any other value that looks like an ID number is masked all the same.
    /// </summary>
    public static IReadOnlyList<(string Code, string Value)> Uncatalogued(Shangding.Core.Data.CreditRecord record) =>
        [.. Shangding.Core.Scoring.ScoringRecord.ParseFields(record.FieldsJson).Select(f => (f.Key, Masking.MaskIdLike(f.Value)))];

    /// <summary>
    /// An option's label: the catalogue's value, and in English also what it means where the platform knows (certificate
    /// types, the withdraw action); other enumerations have Chinese values only in the catalogue.
    /// </summary>
    public static string OptionLabel(FieldDefinition field, string value)
    {
        if (!UiText.IsEnglish())
        {
            return value;
        }

        var english = field.Type == FieldType.IdType && CertificateTypes.TryParse(value, out var type) ? CertificateTypes.Label(type, "en")
            : field.Code == IntakeColumns.Action && value == IntakeColumns.WithdrawValue ? "Withdraw"
            : field.Code is IntakeColumns.EpidemicSme or IntakeColumns.SimplifiedRemedied ? (value == "是" ? "Yes" : value == "否" ? "No" : null)
            : null;
        return english is null ? value : $"{english} ({value})";
    }

    /// <summary>A stored value as a clerk reads it on a record's page (an enumeration with its English meaning in English).</summary>
    public static string Display(FieldDefinition field, string? value) =>
        string.IsNullOrEmpty(value) ? "—" : field.Type is FieldType.Enum or FieldType.IdType ? OptionLabel(field, value) : value;
}

/// <summary>A form's errors at its top: those of no field, then one link to each field in error (a long form's errors are otherwise out of sight).</summary>
public sealed record FormErrorsView(IReadOnlyList<string> General, IReadOnlyList<(string InputId, string Label, string Message)> Fields)
{
    public bool Any => General.Count > 0 || Fields.Count > 0;

    /// <summary>The errors of <paramref name="fields"/> in the form's order, each with its field's label.</summary>
    public static FormErrorsView Of(IEnumerable<string> general, IEnumerable<FieldDefinition> fields, IReadOnlyDictionary<string, string> errors) =>
        new([.. general], [.. fields.Where(f => errors.ContainsKey(f.Code)).Select(f => ("f_" + f.Code, UiText.Pick(f.NameZh, f.NameEn), errors[f.Code]))]);
}
