using System.Security.Claims;
using Shangding.Core.Access;
using Shangding.Core.Data;
using Shangding.Web.Access;

namespace Shangding.Web.Pages.Me;

/// <summary>What the citizen pages share: who is signed in, as the access policy sees them.</summary>
public static class MeSupport
{
    /// <summary>The signed-in citizen's actor and subject; null if the account is not linked to a subject.</summary>
    public static async Task<(AccessActor Actor, long SubjectId)?> CitizenAsync(ClaimsPrincipal user, ShangdingDbContext db, ActorResolver actors, CancellationToken cancellationToken) =>
        await SubjectAsync(user, db, actors, cancellationToken) is { Actor.Role: Roles.Citizen } me ? me : null;

    /// <summary>The signed-in subject — a resident or an organisation signed in as itself — with its actor; null otherwise.</summary>
    public static async Task<(AccessActor Actor, long SubjectId)?> SubjectAsync(ClaimsPrincipal user, ShangdingDbContext db, ActorResolver actors, CancellationToken cancellationToken)
    {
        var actor = await actors.ResolveAsync(user, db, cancellationToken);
        return Roles.IsSubject(actor.Role) && actor.SubjectId is { } subject ? (actor, subject) : null;
    }

    /// <summary>
    /// The pages of <c>/me</c> that are residents' alone (the score, grants, self-reports of 004 §5, the PIPL
    /// export); an organisation's links leave them out (their pages refuse it too).
    /// </summary>
    public static IReadOnlySet<string> ResidentsOnly { get; } = new HashSet<string>(StringComparer.Ordinal) { "/me/score", "/me/grants", "/me/self-reports", "/me/export" };

    /// <summary>Whether a link of the subject's own area is for this subject: every link for a resident, not the residents' own pages for an organisation.</summary>
    public static bool LinkFor(string href, bool organisation) => !organisation || !ResidentsOnly.Contains(href);

    public static string StatusKey(string status) => "access.status." + status;

    public static string ClassKey(string infoClass) => "access.class." + infoClass;
}
