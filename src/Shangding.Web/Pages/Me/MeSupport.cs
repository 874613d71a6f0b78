using System.Security.Claims;
using Shangding.Core.Access;
using Shangding.Core.Data;
using Shangding.Web.Access;

namespace Shangding.Web.Pages.Me;

/// <summary>What the citizen pages share: who is signed in, as the access policy sees them.</summary>
public static class MeSupport
{
    /// <summary>The signed-in citizen's actor and subject; null if the account is not linked to a subject.</summary>
    public static async Task<(AccessActor Actor, long SubjectId)?> CitizenAsync(ClaimsPrincipal user, ShangdingDbContext db, ActorResolver actors, CancellationToken cancellationToken)
    {
        var actor = await actors.ResolveAsync(user, db, cancellationToken);
        return actor.Role == Roles.Citizen && actor.SubjectId is { } subject ? (actor, subject) : null;
    }

    /// <summary>The signed-in subject — a resident or an organisation signed in as itself — with its actor; null otherwise.</summary>
    public static async Task<(AccessActor Actor, long SubjectId)?> SubjectAsync(ClaimsPrincipal user, ShangdingDbContext db, ActorResolver actors, CancellationToken cancellationToken)
    {
        var actor = await actors.ResolveAsync(user, db, cancellationToken);
        return Roles.IsSubject(actor.Role) && actor.SubjectId is { } subject ? (actor, subject) : null;
    }

    public static string StatusKey(string status) => "access.status." + status;

    public static string ClassKey(string infoClass) => "access.class." + infoClass;
}
