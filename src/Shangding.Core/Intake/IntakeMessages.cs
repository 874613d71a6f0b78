using System.Globalization;
using Shangding.Core.Catalog;

namespace Shangding.Core.Intake;

/// <summary>Every reason intake gives, worded for the clerk who has to fix the row, in Chinese and English.</summary>
public static class IntakeMessages
{
    private static string F(string format, params object?[] args) => string.Format(CultureInfo.InvariantCulture, format, args);

    private static string Zh(FieldDefinition field) => $"“{field.NameZh}”";

    private static string En(FieldDefinition field) => $"'{field.NameEn}'";

    public static IntakeReason Required(FieldDefinition field) => new("required", field.Code,
        F("{0}为必填项，不能为空。", Zh(field)), F("{0} is required but empty.", En(field)));

    public static IntakeReason RecordKeyRequired() => new("record_key_required", IntakeColumns.RecordKey,
        "“单位记录编号”为必填项：请为每条记录填写本单位唯一的编号，重复报送同一编号即为更新。",
        "'Record key' is required: give each record your unit's own unique key; re-sending a key updates that record.");

    public static IntakeReason TooLong(FieldDefinition field, int max) => new("too_long", field.Code,
        F("{0}超过 {1} 个字符。", Zh(field), max), F("{0} is longer than {1} characters.", En(field), max));

    public static IntakeReason BadDate(FieldDefinition field, string value) => new("bad_date", field.Code,
        F("{0}“{1}”不是有效日期：请填写如 2026-03-15 的日期。", Zh(field), value),
        F("{0} '{1}' is not a valid date: write a date such as 2026-03-15.", En(field), value));

    public static IntakeReason FutureDate(FieldDefinition field, DateOnly value) => new("future_date", field.Code,
        F("{0}{1:yyyy-MM-dd}晚于今天：日期不能在将来。", Zh(field), value),
        F("{0} {1:yyyy-MM-dd} is after today: dates cannot be in the future.", En(field), value));

    public static IntakeReason DateOrder(FieldDefinition start, FieldDefinition end) => new("date_order", end.Code,
        F("{0}早于{1}：结束日期不能早于开始日期。", Zh(end), Zh(start)),
        F("{0} is before {1}: an end date cannot be before its start date.", En(end), En(start)));

    public static IntakeReason BadNumber(FieldDefinition field, string value) => new("bad_number", field.Code,
        F("{0}“{1}”不是数字。", Zh(field), value), F("{0} '{1}' is not a number.", En(field), value));

    public static IntakeReason BadInteger(FieldDefinition field, string value) => new("bad_integer", field.Code,
        F("{0}“{1}”应为整数。", Zh(field), value), F("{0} '{1}' must be a whole number.", En(field), value));

    public static IntakeReason IntegerTooLarge(FieldDefinition field, string value) => new("integer_too_large", field.Code,
        F("{0}“{1}”过大：整数不能超过 9223372036854775807。", Zh(field), value),
        F("{0} '{1}' is too large: a whole number cannot exceed 9223372036854775807.", En(field), value));

    public static IntakeReason Negative(FieldDefinition field) => new("negative", field.Code,
        F("{0}不能为负数。", Zh(field)), F("{0} cannot be negative.", En(field)));

    public static IntakeReason NotAllowed(FieldDefinition field, string value) => new("not_allowed", field.Code,
        F("{0}“{1}”不在可选值中：请从 {2} 中选择。", Zh(field), value, string.Join("、", field.AllowedValues)),
        F("{0} '{1}' is not one of the allowed values: choose from {2}.", En(field), value, string.Join(", ", field.AllowedValues)));

    public static IntakeReason BadIdentifier(FieldDefinition field, Subjects.IdError error) => new("bad_id", field.Code,
        Zh(field) + "：" + Subjects.IdErrorMessages.Describe(error, "zh-CN"),
        En(field) + ": " + Subjects.IdErrorMessages.Describe(error, "en"));

    public static IntakeReason BadPlate(FieldDefinition field, string value) => new("bad_plate", field.Code,
        F("{0}“{1}”不是有效的车牌号（如 豫A12345）。", Zh(field), value),
        F("{0} '{1}' is not a valid plate number (e.g. 豫A12345).", En(field), value));

    public static IntakeReason CellNote(FieldDefinition? field, string zh, string en) => new("cell", field?.Code, zh, en);

    public static IntakeReason BadAction(string value) => new("bad_action", IntakeColumns.Action,
        F("“操作”只能留空（新增或更新）或填“撤回”，不能是“{0}”。", value),
        F("'Action' must be empty (create or update) or '撤回' (withdraw), not '{0}'.", value));

    public static IntakeReason BadFlag(string column, string value) => new("bad_flag", column,
        F("“{0}”只能填“是”或“否”，不能是“{1}”。", IntakeColumns.Find(column)?.NameZh ?? column, value),
        F("'{0}' must be 是 (yes) or 否 (no), not '{1}'.", IntakeColumns.Find(column)?.NameEn ?? column, value));

    public static IntakeReason DuplicateKey(string key, int firstRow) => new("duplicate_key", IntakeColumns.RecordKey,
        F("单位记录编号“{0}”在本文件中重复（第 {1} 行已出现）：每条记录的编号应唯一。", key, firstRow),
        F("Record key '{0}' appears twice in this file (first on row {1}): each record needs its own key.", key, firstRow));

    public static IntakeReason EpidemicSme() => new("excluded_epidemic_sme", IntakeColumns.EpidemicSme,
        "经有关部门认定因疫情造成的中小微企业失信记录，暂不纳入市信用平台（郑信用〔2020〕2号 四.4）：本条未入库。",
        "A bad record of a small or micro enterprise confirmed as caused by the epidemic is not taken into the platform (Zhengzhou 2020 No. 2, §4.4): this row was not stored.");

    public static IntakeReason SimplifiedRemedied() => new("excluded_simplified_remedied", IntakeColumns.SimplifiedRemedied,
        "适用简易程序作出、当事人已改正的轻微处罚不纳入信用平台（《河南省社会信用条例》第十三条）：本条未入库。",
        "A minor penalty decided under the simplified procedure and already remedied is not taken into the platform (Henan Social Credit Regulation art. 13): this row was not stored.");

    public static IntakeReason NotResponsible(string unit, Category category) => new("not_responsible", null,
        F("本单位（{0}）不是“{1}”的报送单位，不能报送该类信息（《郑州市公共信用信息管理暂行办法》第十一条）。", unit, category.NameZh),
        F("Your unit ({0}) is not a reporting unit of '{1}' and cannot furnish it.", unit, category.NameEn));

    public static IntakeReason UnknownCategory(string code) => new("unknown_category", null,
        F("信息类别“{0}”不在信用信息目录中。", code), F("Category '{0}' is not in the catalogue.", code));

    public static IntakeReason NothingToWithdraw(string key) => new("nothing_to_withdraw", IntakeColumns.RecordKey,
        F("没有编号为“{0}”的本单位记录可撤回。", key), F("There is no record of your unit with key '{0}' to withdraw.", key));

    /// <summary>
    /// The batch's warning when rows named a subject differently from the name on file (stored as "中文 / English", like
    /// the file's warnings): they were stored under the ID number, the name on file kept, the subject flagged for a check.
    /// </summary>
    public static string NameConflictWarning(int rows, IReadOnlyList<string> keys)
    {
        var some = string.Join("、", keys);
        var more = rows > keys.Count;
        return F("{0} 行所填姓名与该证件号码在平台登记的姓名不一致（单位记录编号 {1}{2}）：这些记录已按证件号码入库，登记姓名未改，当事人已标记待核查。请核对姓名与证件号码是否填对。", rows, some, more ? " 等" : "")
            + " / "
            + F("{0} row(s) give a name that differs from the one on file for that ID number (record key(s) {1}{2}): they were stored under the ID number, the name on file was kept, and the subject is flagged for a check. Please check the names and ID numbers.", rows, string.Join(", ", keys), more ? ", …" : "");
    }

    /// <summary>
    /// A row made from one version of a record (<see cref="IntakeRow.ExpectedVersion"/>) found it at another, or gone
    /// (<paramref name="current"/> null), when it was written: someone else changed it meanwhile, and nothing was stored.
    /// </summary>
    public static IntakeReason VersionChanged(string key, int expected, int? current) => current is { } now
        ? new("version_changed", null,
            F("编号为“{0}”的记录已被修改（现为第 {1} 版，您依据的是第 {2} 版），本次修改未保存，以免覆盖他人的修改。请刷新后核对现在的内容再重试。", key, now, expected),
            F("The record with key '{0}' was changed meanwhile (it is now version {1}; your change was made from version {2}). Your change was not saved, so as not to overwrite the other one: reload the record, check it as it is now and try again.", key, now, expected))
        : new("version_changed", null,
            F("编号为“{0}”的记录已不存在（您依据的是第 {1} 版），本次修改未保存。请刷新后重试。", key, expected),
            F("There is no longer a record with key '{0}' (your change was made from version {1}); your change was not saved. Reload and try again.", key, expected));

    public static IntakeReason KeyUsedForOtherSubject(string key) => new("key_other_subject", IntakeColumns.RecordKey,
        F("单位记录编号“{0}”已用于另一当事人（证件号码不同）的记录，本行未入库。编号不能改指他人：如原记录的当事人有误，请先撤回原记录，再以新的编号报送。", key),
        F("Record key '{0}' already belongs to a record about another subject (a different ID number); this row was not stored. A key cannot be moved to someone else: if the original record names the wrong subject, withdraw it and send the record under a new key.", key));

    public static IntakeReason KeyUsedByOtherCategory(string key, string category) => new("key_other_category", IntakeColumns.RecordKey,
        F("单位记录编号“{0}”已用于“{1}”类信息：编号在本单位内应唯一。", key, category),
        F("Record key '{0}' is already used for category {1}: keys must be unique within your unit.", key, category));

    public static IntakeReason ActDateRequired() => new("act_date_required", IntakeColumns.ActDate,
        "“行为或决定日期”为必填项：公示期限自决定之日起计算。",
        "'Date of act or decision' is required: publication periods run from the decision.");
}
