namespace Shangding.Web.Access;

public static class Policies
{
    public const string Operator = "operator";
    public const string UnitClerk = "unit-clerk";

    /// <summary>The reporting unit a clerk works for.</summary>
    public const string UnitClaim = "shangding:unit";
}
