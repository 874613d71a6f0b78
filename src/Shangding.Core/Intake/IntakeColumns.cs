using Shangding.Core.Catalog;

namespace Shangding.Core.Intake;

/// <summary>
/// The columns every channel uses for a category: the intake columns around the catalogue's own
/// fields — the unit's record key first, the date of the act where the category has none, the two
/// exclusion flags where they can apply, and the action last. The template, the file mapping, the
/// API and the web form all take their columns from here.
/// </summary>
public static class IntakeColumns
{
    public const string RecordKey = "record_key";
    public const string ActDate = "act_date";
    public const string EpidemicSme = "epidemic_sme";
    public const string SimplifiedRemedied = "simplified_remedied";
    public const string Action = "action";

    public const string WithdrawValue = "撤回";
    public static IReadOnlyList<string> YesNo { get; } = ["是", "否"];

    private static readonly FieldDefinition RecordKeyField =
        new(RecordKey, "单位记录编号", "Record key", FieldType.Text, true, [], 64);

    private static readonly FieldDefinition ActDateField =
        new(ActDate, "行为或决定日期", "Date of act or decision", FieldType.Date, true, [], null);

    private static readonly FieldDefinition EpidemicSmeField =
        new(EpidemicSme, "经认定因疫情造成（中小微企业）", "Confirmed as caused by the epidemic (SME)", FieldType.Enum, false, YesNo, null);

    private static readonly FieldDefinition SimplifiedRemediedField =
        new(SimplifiedRemedied, "简易程序且已改正", "Simplified procedure, already remedied", FieldType.Enum, false, YesNo, null);

    private static readonly FieldDefinition ActionField =
        new(Action, "操作", "Action", FieldType.Enum, false, [WithdrawValue], null);

    private static readonly FieldDefinition[] All = [RecordKeyField, ActDateField, EpidemicSmeField, SimplifiedRemediedField, ActionField];

    public static FieldDefinition? Find(string code) => All.FirstOrDefault(f => f.Code == code);

    /// <summary>Whether the epidemic SME exclusion (004 §4.4) can apply: bad records of organisations.</summary>
    public static bool HasEpidemicFlag(Category category) =>
        category.SubjectKind == SubjectKind.Organisation && category.Polarity == Polarity.Bad;

    /// <summary>Whether the simplified-procedure exclusion can apply: minor bad records of persons.</summary>
    public static bool HasSimplifiedFlag(Category category) =>
        category.SubjectKind == SubjectKind.Person && category.Polarity == Polarity.Bad && category.Severity == Severity.Minor;

    /// <summary>All columns of a category in template order.</summary>
    public static IReadOnlyList<FieldDefinition> For(Category category)
    {
        var columns = new List<FieldDefinition> { RecordKeyField };
        columns.AddRange(category.Fields);
        if (category.ActDateField is null)
        {
            columns.Add(ActDateField);
        }

        if (HasEpidemicFlag(category))
        {
            columns.Add(EpidemicSmeField);
        }

        if (HasSimplifiedFlag(category))
        {
            columns.Add(SimplifiedRemediedField);
        }

        columns.Add(ActionField);
        return columns;
    }
}
