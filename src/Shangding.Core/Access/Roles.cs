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

    public static IReadOnlyList<string> All { get; } = [Operator, Auditor, UnitClerk, GovernmentQuerier, ThirdParty, Citizen];
}
