namespace Shangding.Web.Access;

public static class Policies
{
    public const string Operator = "operator";
    public const string UnitClerk = "unit-clerk";

    /// <summary>The reporting unit a clerk works for.</summary>
    public const string UnitClaim = "shangding:unit";

    /// <summary>The account's session version at sign-in (<see cref="Core.Data.Account.SessionVersion"/>).</summary>
    public const string SessionClaim = "shangding:session";
}
