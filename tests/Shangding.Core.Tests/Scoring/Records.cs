using Shangding.Core.Scoring;

namespace Shangding.Core.Tests.Scoring;

/// <summary>Builders of scoring records for the engine tests.</summary>
internal static class Records
{
    public static DateOnly D(string text) => DateOnly.Parse(text, System.Globalization.CultureInfo.InvariantCulture);

    public static ScoringRecord Make(long id, string category, string? actDate, params (string Key, string Value)[] fields) =>
        new(id, category, actDate is null ? null : D(actDate), ScoringStatus.InForce, fields.ToDictionary(f => f.Key, f => f.Value));

    public static ScoringRecord Honour(long id, string category, string actDate, string level) =>
        Make(id, category, actDate, ("honour_level", level));

    public static ScoringRecord Volunteer(long id, string actDate, string level = "市级") => Honour(id, "P-VOLUNTEER", actDate, level);

    public static ScoringRecord Traffic(long id, string actDate) => Make(id, "P-TRAFFIC-VIOLATION", actDate, ("penalty_points", "3"));

    public static ScoringRecord CreditDefault(long id, string actDate) => Make(id, "P-CREDIT-DEFAULT", actDate);

    public static ScoringRecord Dishonest(long id, string? actDate, string caseNumber = "(2025)豫01执1号") =>
        Make(id, "P-COURT-DISHONEST-ENFORCEE", actDate, ("case_number", caseNumber));

    public static ScoringRecord Arrears(long id, string actDate, string amount, string from, string to) =>
        Make(id, "P-ARREARS-WATER", actDate, ("arrears_amount", amount), ("arrears_from", from), ("arrears_counted_to", to));

    public static ScoringRecord Blood(long id, string actDate, int count) => Make(id, "P-BLOOD-DONATION", actDate, ("donation_count", count.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>Good records filling every dimension's cap (score 200 before deductions).</summary>
    public static List<ScoringRecord> ManyGood(string actDate) =>
    [
        Honour(101, "P-HONOUR", actDate, "国家级"),
        Honour(102, "P-EPIDEMIC-COMMENDATION", "2025-06-01", "国家级"),
        Honour(103, "P-HONOUR", "2025-07-01", "国家级"),
        Honour(104, "P-HEROIC-ACT", actDate, "国家级"),
        Honour(105, "P-VOLUNTEER", actDate, "国家级"),
        Make(106, "P-MARROW-DONATION", actDate),
        Honour(107, "P-MODEL-WORKER", actDate, "国家级"),
        Honour(108, "P-MARCH-8-RED-BANNER", actDate, "国家级"),
        Honour(109, "P-CIVILISED-FAMILY", actDate, "国家级"),
        Honour(110, "P-CIVILISED-FAMILY", "2025-08-01", "国家级"),
    ];
}
