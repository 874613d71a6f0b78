using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Shangding.Core.Access;
using Shangding.Core.Data;
using Shangding.Web.Access;
using Shangding.Web.Tests.Infrastructure;

namespace Shangding.Web.Tests.Access;

/// <summary>
/// Every endpoint × every role: the HTTP outcome must match the access rule of the endpoint's area,
/// and every read of a subject's data must give the policy's answer (including the refusals of issue 5).
/// A new endpoint outside the known areas fails the test until its rule is written down here.
/// </summary>
public sealed partial class AccessMatrixTests(ShangdingWebFactory factory) : IClassFixture<ShangdingWebFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Anonymous = "anonymous";

    /// <summary>The roles and the demo account signed in for each (the citizen through real-name sign-in, the organisation through its business-licence check).</summary>
    private static readonly (string Role, string? User)[] Actors =
    [
        (Anonymous, null), (Roles.Operator, "operator"), (Roles.Auditor, "auditor"), (Roles.UnitClerk, "water"),
        (Roles.GovernmentQuerier, "police"), (Roles.ThirdParty, "bank"), (Roles.Citizen, null), (Roles.Organisation, null),
    ];

    /// <summary>Who may reach each area (first matching prefix wins). Null = anyone, "signed-in" = any signed-in role.</summary>
    private static readonly (string Prefix, string[]? Roles)[] Areas =
    [
        // The audit pages and the dispute queue keep their /operator URLs and are open to auditors too
        // (Pages/Audit; on the dispute queue only operators act, RemediesPagesTests).
        ("/operator/audit", [Roles.Operator, Roles.Auditor]),
        ("/operator/disputes", [Roles.Operator, Roles.Auditor]),
        ("/operator/query-log", [Roles.Operator, Roles.Auditor]),
        ("/operator", [Roles.Operator]),
        ("/unit", [Roles.UnitClerk]),
        // Organisations have their records, query history, disputes and repairs; the score, grants,
        // self-reports (residents aged 18+, 004 §5) and the PIPL export are residents'.
        ("/me/score", [Roles.Citizen]), ("/me/grants", [Roles.Citizen]), ("/me/self-reports", [Roles.Citizen]), ("/me/export", [Roles.Citizen]),
        ("/me", [Roles.Citizen, Roles.Organisation]),
        ("/inbox", [Roles.Operator, Roles.Auditor, Roles.UnitClerk, Roles.GovernmentQuerier, Roles.ThirdParty, Roles.Citizen, Roles.Organisation]),
        // Evidence files: any signed-in account reaches the endpoint; the file itself is served only to the
        // applicant, the unit concerned and operators, everyone else gets 404 (RemediesPagesTests).
        ("/remedies/files", [Roles.Operator, Roles.Auditor, Roles.UnitClerk, Roles.GovernmentQuerier, Roles.ThirdParty, Roles.Citizen, Roles.Organisation]),
        ("/api/v1/records", []), // units' systems with their API token only
        ("/api/v1/nil-reports", []), // likewise
        ("/api/v1/queries", [Roles.Operator, Roles.Auditor, Roles.UnitClerk, Roles.GovernmentQuerier, Roles.ThirdParty, Roles.Citizen, Roles.Organisation]),
        ("/api/v1/benefit-checks", [Roles.Operator, Roles.Auditor, Roles.UnitClerk, Roles.GovernmentQuerier, Roles.ThirdParty, Roles.Citizen, Roles.Organisation]),
        ("/api/v1/catalog", null), ("/api/v1/public", null), ("/public", null), ("/account", null), ("/health", null), ("/openapi", null), ("/status", null),
        ("/language", null), ("/Error", null), ("/error", null), ("/Index", null), ("/catalog", null),
    ];

    private async Task<HttpClient> SignIn(string role, string? user)
    {
        var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        if (role == Anonymous)
        {
            return client;
        }

        var (url, fields) = role switch
        {
            Roles.Citizen => ("/account/citizen", new Dictionary<string, string> { ["Name"] = AccessDemo.CitizenName, ["IdNumber"] = AccessDemo.CitizenId, ["Code"] = DevelopmentRealNameVerifier.Code }),
            Roles.Organisation => ("/account/organisation", new Dictionary<string, string> { ["Name"] = AccessDemo.OrganisationName, ["Uscc"] = AccessDemo.OrganisationUscc, ["Code"] = DevelopmentRealNameVerifier.Code }),
            _ => ("/account/signin", new Dictionary<string, string> { ["UserName"] = user!, ["Password"] = DemoAccounts.Password }),
        };
        var page = await client.GetStringAsync(url, Ct);
        fields["__RequestVerificationToken"] = TokenRegex().Match(page).Groups[1].Value;
        var response = await client.PostAsync(url, new FormUrlEncodedContent(fields), Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect, $"{role} signs in");
        return client;
    }

    private static bool Denied(HttpResponseMessage response) =>
        response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden ||
        response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location?.OriginalString is { } location &&
        (location.Contains("/account/signin", StringComparison.Ordinal) || location.Contains("/account/denied", StringComparison.Ordinal));

    [Fact]
    public async Task EveryEndpoint_ForEveryRole_FollowsTheRuleOfItsArea()
    {
        var clients = new Dictionary<string, HttpClient>();
        foreach (var (role, user) in Actors)
        {
            clients[role] = await SignIn(role, user);
        }

        var endpoints = factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        endpoints.Count.ShouldBeGreaterThan(20);
        var failures = new List<string>();
        var checkedCount = 0;
        foreach (var endpoint in endpoints)
        {
            var pattern = "/" + (endpoint.RoutePattern.RawText ?? "").TrimStart('/');
            if (pattern.Contains("**", StringComparison.Ordinal))
            {
                continue;
            }

            var area = Areas.Where(a => pattern.StartsWith(a.Prefix, StringComparison.Ordinal)).Select(a => ((string Prefix, string[]? Roles)?)a).FirstOrDefault()
                ?? (pattern == "/" ? ("/", null) : null);
            if (area is null)
            {
                failures.Add($"{pattern}: no access rule for this endpoint — add its area to {nameof(AccessMatrixTests)}.{nameof(Areas)}");
                continue;
            }

            var url = ParameterRegex().Replace(pattern, m => m.Groups[1].Value switch
            {
                "code" => "P-VOLUNTEER",
                "id" => "1",
                "format" => "csv",
                "list" => "severe",
                _ => "x",
            });
            var methods = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"];
            var method = methods.Contains("GET") ? HttpMethod.Get : new HttpMethod(methods[0]);
            foreach (var (role, _) in Actors)
            {
                using var request = new HttpRequestMessage(method, url);
                if (method != HttpMethod.Get)
                {
                    request.Content = JsonContent.Create(new { });
                }

                var response = await clients[role].SendAsync(request, Ct);
                var allowed = area.Value.Roles is null || area.Value.Roles.Contains(role);
                checkedCount++;
                if (Denied(response) == allowed)
                {
                    failures.Add($"{method} {url} as {role}: {(int)response.StatusCode} {response.Headers.Location} — expected {(allowed ? "allowed" : "denied")}");
                }
            }
        }

        failures.ShouldBeEmpty();
        checkedCount.ShouldBeGreaterThan(100);
    }

    private Task<HttpResponseMessage> Ask(HttpClient client, string what, string? purpose = "核查", string? letter = null, string? grant = null) =>
        AccessTestSupport.Query(client, what, grant, letter, purpose, ct: Ct);

    [Fact]
    public async Task SubjectReads_ForEveryRole_GiveThePolicysAnswer_IncludingEachRefusal()
    {
        var clients = new Dictionary<string, HttpClient>();
        foreach (var (role, user) in Actors)
        {
            clients[role] = await SignIn(role, user);
        }

        var court = await SignIn(Roles.UnitClerk, "court");
        var citizenPortal = await AccessTestSupport.Citizen(factory, Ct);
        var levelGrant = await AccessTestSupport.Grant(citizenPortal, factory, "bank", GrantScopes.Level, null, Ct);
        var revokedGrant = await AccessTestSupport.Grant(citizenPortal, factory, "bank", GrantScopes.Report, null, Ct);
        var expiredGrant = await AccessTestSupport.Grant(citizenPortal, factory, "bank", GrantScopes.Score, null, Ct);
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
            var grants = await db.AccessGrants.Where(g => g.RecipientName == "郑州某银行").OrderByDescending(g => g.Id).Take(2).ToListAsync(Ct);
            grants[0].ExpiresAt = DateTime.UtcNow.AddSeconds(-1); // the score grant, created last
            grants[1].RevokedAt = DateTime.UtcNow;                 // the report grant
            await db.SaveChangesAsync(Ct);
        }

        var cases = new List<(string Who, Func<Task<HttpResponseMessage>> Call, HttpStatusCode Expected, string? Reason)>
        {
            ("anonymous", () => Ask(clients[Anonymous], "records"), HttpStatusCode.Unauthorized, null),
            ("citizen level", () => Ask(clients[Roles.Citizen], "level"), HttpStatusCode.OK, null),
            ("citizen report", () => Ask(clients[Roles.Citizen], "report"), HttpStatusCode.OK, null),
            ("organisation, a resident's records", () => Ask(clients[Roles.Organisation], "records"), HttpStatusCode.Forbidden, RefusalReasons.NotOwnSubject),
            ("clerk, own unit's records", () => Ask(clients[Roles.UnitClerk], "records"), HttpStatusCode.OK, null),
            ("clerk, score", () => Ask(clients[Roles.UnitClerk], "score"), HttpStatusCode.Forbidden, RefusalReasons.RoleNotAllowed),
            ("clerk reading another unit's records", () => Ask(court, "records"), HttpStatusCode.Forbidden, RefusalReasons.OtherUnit),
            ("government without letter", () => Ask(clients[Roles.GovernmentQuerier], "report"), HttpStatusCode.Forbidden, RefusalReasons.LetterRequired),
            ("government with letter", () => Ask(clients[Roles.GovernmentQuerier], "report", letter: "郑公函〔2026〕21号"), HttpStatusCode.OK, null),
            ("government, score", () => Ask(clients[Roles.GovernmentQuerier], "score", letter: "郑公函〔2026〕21号"), HttpStatusCode.Forbidden, RefusalReasons.BeyondScope),
            ("third party without grant", () => Ask(clients[Roles.ThirdParty], "level"), HttpStatusCode.Forbidden, RefusalReasons.GrantRequired),
            ("third party within scope", () => Ask(clients[Roles.ThirdParty], "level", grant: levelGrant), HttpStatusCode.OK, null),
            ("third party beyond scope", () => Ask(clients[Roles.ThirdParty], "score", grant: levelGrant), HttpStatusCode.Forbidden, RefusalReasons.BeyondScope),
            ("third party, revoked grant", () => Ask(clients[Roles.ThirdParty], "report", grant: revokedGrant), HttpStatusCode.Forbidden, RefusalReasons.GrantRevoked),
            ("third party, expired grant", () => Ask(clients[Roles.ThirdParty], "score", grant: expiredGrant), HttpStatusCode.Forbidden, RefusalReasons.GrantExpired),
            ("operator without purpose", () => Ask(clients[Roles.Operator], "report", purpose: null), HttpStatusCode.Forbidden, RefusalReasons.PurposeRequired),
            ("operator for a duty", () => Ask(clients[Roles.Operator], "report", purpose: "异议核查"), HttpStatusCode.OK, null),
            ("auditor", () => Ask(clients[Roles.Auditor], "records"), HttpStatusCode.Forbidden, RefusalReasons.RoleNotAllowed),
        };

        foreach (var (who, call, expected, reason) in cases)
        {
            var before = (await AccessTestSupport.Log(factory, Ct)).Count;
            var response = await call();
            response.StatusCode.ShouldBe(expected, who);
            var log = await AccessTestSupport.Log(factory, Ct);
            if (expected == HttpStatusCode.Unauthorized)
            {
                continue;
            }

            log.Count.ShouldBe(before + 1, who); // exactly one entry per query, allowed or refused
            var entry = log[^1];
            (entry.Outcome, entry.RefusalReason).ShouldBe((reason is null ? QueryOutcome.Allowed : QueryOutcome.Refused, reason), who);
        }
    }

    /// <summary>
    /// The staff pages that show remedy cases (the units' dispute, repair and self-report desks, the credit
    /// centre's dispute queue and repairs, the supervisors' view of the queue) and the evidence downloads:
    /// each case shown passes the access policy and leaves one query-log entry for its subject, allowed or
    /// refused, which the subject reads on /me/queries.
    /// </summary>
    [Fact]
    public async Task RemedyCases_AndEvidenceFiles_ForEveryRole_GoThroughThePolicy_AndAreLogged()
    {
        var clients = new Dictionary<string, HttpClient>();
        foreach (var (role, user) in Actors)
        {
            clients[role] = await SignIn(role, user);
        }

        var water = clients[Roles.UnitClerk];
        var civil = await SignIn(Roles.UnitClerk, "civil");
        var (subjectId, citizenAccount, disputeId, repairId, reportId) = await AccessTestSupport.FileRemedies(factory, Ct);
        Dictionary<string, long> files, accounts;
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
            files = (await db.RemedyFiles.AsNoTracking().ToListAsync(Ct)).ToDictionary(f => f.OwnerKind, f => f.Id);
            accounts = await db.Accounts.AsNoTracking().ToDictionaryAsync(a => a.UserName, a => a.Id, Ct);
            accounts[Roles.Citizen] = citizenAccount;
            accounts[Roles.Organisation] = await db.Accounts.Where(a => a.Role == Roles.Organisation).Select(a => a.Id).SingleAsync(Ct);
        }

        async Task<List<QueryLogEntry>> NewEntries(Func<Task<HttpResponseMessage>> call, HttpStatusCode status, string who)
        {
            var before = (await AccessTestSupport.Log(factory, Ct)).Count;
            (await call()).StatusCode.ShouldBe(status, who);
            return [.. (await AccessTestSupport.Log(factory, Ct)).Skip(before).Where(q => q.SubjectId == subjectId)];
        }

        // Pages: the case is shown — and logged once — only to those the policy allows.
        var pages = new (string Who, HttpClient Client, string User, string Url, string? Scope, long CaseId)[]
        {
            ("civil clerk, its disputes", civil, "civil", "/unit/disputes", CaseKinds.Dispute, disputeId),
            ("civil clerk, the dispute opened", civil, "civil", $"/unit/disputes?id={disputeId}", CaseKinds.Dispute, disputeId),
            ("water clerk, disputes of another unit", water, "water", "/unit/disputes", null, disputeId),
            ("water clerk, its repair applications", water, "water", "/unit/repairs", CaseKinds.Repair, repairId),
            ("civil clerk, repairs of another unit", civil, "civil", "/unit/repairs", null, repairId),
            ("civil clerk, its self-reports", civil, "civil", "/unit/self-reports", CaseKinds.SelfReport, reportId),
            ("water clerk, self-reports of another unit", water, "water", "/unit/self-reports", null, reportId),
            ("operator, the dispute queue", clients[Roles.Operator], "operator", "/operator/disputes", CaseKinds.Dispute, disputeId),
            ("operator, repair applications", clients[Roles.Operator], "operator", "/operator/repairs", CaseKinds.Repair, repairId),
            ("auditor, the dispute queue", clients[Roles.Auditor], "auditor", "/operator/disputes", CaseKinds.Dispute, disputeId),
        };
        foreach (var (who, client, user, url, scope, caseId) in pages)
        {
            var entries = await NewEntries(() => client.GetAsync(url, Ct), HttpStatusCode.OK, who);
            if (scope is null)
            {
                entries.ShouldBeEmpty(who);
                continue;
            }

            var entry = entries.ShouldHaveSingleItem(who);
            (entry.QuerierAccountId, entry.Scope, entry.Outcome, entry.Channel).ShouldBe((accounts[user], scope, QueryOutcome.Allowed, "web"), who);
            entry.Purpose.ShouldContain($"No. {caseId}", Case.Sensitive, who);
        }

        // Evidence files: the applicant, the unit concerned and the credit centre download them; everyone
        // else gets 404 and a refused entry. (Anonymous visitors are sent to sign in: nothing is read.)
        var downloads = new (string Kind, string Unit)[] { (CaseKinds.Dispute, "civil"), (CaseKinds.Repair, "water"), (CaseKinds.SelfReport, "civil") };
        var readers = new (string Who, HttpClient Client, string User)[]
        {
            ("citizen", clients[Roles.Citizen], Roles.Citizen), ("water clerk", water, "water"), ("civil clerk", civil, "civil"),
            ("operator", clients[Roles.Operator], "operator"), ("auditor", clients[Roles.Auditor], "auditor"),
            ("government", clients[Roles.GovernmentQuerier], "police"), ("third party", clients[Roles.ThirdParty], "bank"),
            ("organisation", clients[Roles.Organisation], Roles.Organisation),
        };
        foreach (var (kind, unit) in downloads)
        {
            foreach (var (who, client, user) in readers)
            {
                var reason = user switch
                {
                    Roles.Citizen or "operator" => null,
                    "water" or "civil" => user == unit ? null : RefusalReasons.OtherUnit,
                    Roles.Organisation => RefusalReasons.NotOwnSubject,
                    _ => RefusalReasons.RoleNotAllowed,
                };
                var label = $"{who} downloads the {kind} file";
                var entry = (await NewEntries(() => client.GetAsync($"/remedies/files/{files[kind]}", Ct), reason is null ? HttpStatusCode.OK : HttpStatusCode.NotFound, label))
                    .ShouldHaveSingleItem(label);
                (entry.QuerierAccountId, entry.Scope, entry.Outcome, entry.RefusalReason)
                    .ShouldBe((accounts[user], CaseKinds.EvidenceScope, reason is null ? QueryOutcome.Allowed : QueryOutcome.Refused, reason), label);
            }

            (await NewEntries(() => clients[Anonymous].GetAsync($"/remedies/files/{files[kind]}", Ct), HttpStatusCode.Redirect, "anonymous")).ShouldBeEmpty();
        }

        // The subject reads these looks on /me/queries, in words.
        var mine = await clients[Roles.Citizen].GetStringAsync("/me/queries", Ct);
        mine.ShouldContain("异议材料及所涉记录");
        mine.ShouldContain("核查异议");
        mine.ShouldContain("证明材料文件");
    }

    [GeneratedRegex("\\{([a-zA-Z]+)[^}]*\\}")]
    private static partial Regex ParameterRegex();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenRegex();
}
