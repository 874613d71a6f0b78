namespace Shangding.Core.Access;

/// <summary>The roles of SPEC §1.</summary>
public static class Roles
{
    public const string Operator = "operator";
    public const string Auditor = "auditor";
    public const string UnitClerk = "unit-clerk";
    public const string GovernmentQuerier = "government";
    public const string ThirdParty = "third-party";
    public const string Citizen = "citizen";

    /// <summary>
    /// An enterprise or other organisation signed in as the subject of its own records (法人和非法人组织,
    /// identified by its unified social credit code): it sees its records and who queried them, disputes
    /// them and applies for credit repair (seed 002 §6–7, 003 §22). It has no 商鼎分, which is for residents.
    /// </summary>
    public const string Organisation = "organisation";

    /// <summary>The two roles that sign in as a credit subject and see their own records, for <c>[Authorize(Roles = …)]</c>.</summary>
    public const string Subjects = Citizen + "," + Organisation;

    public static IReadOnlyList<string> All { get; } = [Operator, Auditor, UnitClerk, GovernmentQuerier, ThirdParty, Citizen, Organisation];

    /// <summary>Whether the role is a credit subject acting for itself (a resident or an organisation).</summary>
    public static bool IsSubject(string? role) => role is Citizen or Organisation;
}
