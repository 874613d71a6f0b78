using System.Diagnostics;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Shangding.Core.Access;
using Shangding.Core.Data;

namespace Shangding.Web.Access;

/// <summary>The subject of a query, in the POST body (never in the URL): full identifier and name.</summary>
/// <param name="IdNumber">Resident ID number (or other certificate number, or USCC for an organisation), in full.</param>
/// <param name="Name">The subject's name as on file.</param>
public sealed record SubjectRef(string? IdNumber, string? Name);

/// <param name="What">"level", "score", "report" or "records".</param>
/// <param name="GrantCode">The code the citizen handed over (third parties).</param>
/// <param name="LetterNumber">The official letter number (government bodies, 003 §18).</param>
public sealed record QueryRequest(SubjectRef? Subject, string? What, string? Purpose, string? GrantCode, string? LetterNumber);

public sealed record RecordDto(long Id, string Category, string CategoryZh, string CategoryEn, string InfoClass, string Polarity, string? Severity,
    string Unit, string UnitZh, string UnitEn, DateOnly? ActDate, string Status, bool UnderDispute, DateOnly? PublicationEnd, JsonElement Fields);

public sealed record QueryResponse(long QueryId, string What, bool? OptedIn, string? Level, string? LevelZh, string? LevelEn, int? Score, IReadOnlyList<RecordDto>? Records);

public sealed record BenefitCheckRequest(SubjectRef? Subject, string? Benefit, string? Purpose, string? GrantCode);

/// <summary>Only yes or no for the benefit asked: never the score or level (data minimisation, SPEC §6).</summary>
public sealed record BenefitCheckResponse(long QueryId, string Benefit, bool Eligible);

public sealed record BenefitDto(string Code, string NameZh, string NameEn, string ProviderZh, string ProviderEn, string MinLevel, string MinLevelZh, string MinLevelEn, string Source);

public sealed record PublicSearchRequest(string? Name, string? IdNumber);

public static class AccessEndpoints
{
    private const string RefusedTitle = "查询未获准 / Query not allowed";

    private const string RefusedDetail =
        "未能提供所请求的信息：可能是授权码无效、已过期、已撤销或超出授权范围，缺少公函或用途，或信息主体与所填信息不符。本次查询已记录。 " +
        "The information cannot be given: the grant may be unknown, expired, revoked or out of scope, the letter or purpose may be missing, " +
        "or no subject matches what was sent. This query has been logged.";

    public static void MapAccessEndpoints(this IEndpointRouteBuilder routes)
    {
        var queries = routes.MapGroup("/api/v1").WithTags("Queries");
        queries.MapPost("/queries", Query)
            .RequireAuthorization(p => p.AddAuthenticationSchemes(AccessWeb.QueryOrCookieScheme).RequireAuthenticatedUser())
            .RequireRateLimiting(AccessWeb.QueryLimit)
            .WithName("PostQuery")
            .WithSummary("Query a subject's credit information under a grant (third parties) or an official letter (government bodies); every query is logged.")
            .WithDescription("""
                Authenticate with the organisation's query token (`Authorization: Bearer sdq_<key>_<secret>`) or a signed-in session.
                The subject is identified in the body by full ID number and name — never in the URL.
                Third parties send the grant code the citizen gave them; the scope of the grant decides what is answered
                (level ⊂ score ⊂ report; a benefit grant only allows `POST /api/v1/benefit-checks`). Government bodies send
                `letterNumber` and `purpose`; they receive classes A and B, and class C only for categories naming their body.
                A refusal — no such person, wrong name, grant unknown, expired, revoked or out of scope, letter missing — always
                gets the same 403 answer after the same minimum time, so the API cannot be used to find out who exists.

                ```json
                {"subject":{"idNumber":"410105190001010010","name":"王小明"},"what":"level","purpose":"租房押金减免","grantCode":"SDG-7K2M-…"}
                ```
                """)
            .Produces<QueryResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        queries.MapPost("/benefit-checks", BenefitCheck)
            .RequireAuthorization(p => p.AddAuthenticationSchemes(AccessWeb.QueryOrCookieScheme).RequireAuthenticatedUser())
            .RequireRateLimiting(AccessWeb.QueryLimit)
            .WithName("PostBenefitCheck")
            .WithSummary("Yes or no: does the subject's level earn this benefit? Under a grant for this benefit; nothing else is revealed.")
            .WithDescription("""
                ```json
                {"subject":{"idNumber":"410105190001010010","name":"王小明"},"benefit":"library-card-no-deposit","purpose":"办理读书证","grantCode":"SDG-…"}
                ```
                The answer is `{"queryId":…,"benefit":"library-card-no-deposit","eligible":true}` — never the score or level.
                A person who has not opted in to the score is not eligible. Refusals as for `POST /api/v1/queries`.
                """)
            .Produces<BenefitCheckResponse>()
            .ProducesProblem(StatusCodes.Status403Forbidden);

        var open = routes.MapGroup("/api/v1/public").WithTags("Public information");
        open.MapGet("/benefits", Benefits).WithName("ListBenefits").WithSummary("The benefits catalogue: each benefit and the level it needs (001 §五, 004 §四.1).");
        open.MapGet("/lists/{list}", List).WithName("PublicList")
            .WithSummary("A public list, 20 per page: 'severe' (severe dishonesty within its publication period), 'red' or 'black' (organisations, 004 §3). A-class only; identifiers masked.");
        open.MapPost("/search", Search).RequireRateLimiting(AccessWeb.PublicSearchLimit).WithName("PublicSearch")
            .WithSummary("Published (A-class) records of one subject, found by name AND full identifier in the body; rate-limited.")
            .DisableAntiforgery();
    }

    public static async Task<Results<Ok<QueryResponse>, ProblemHttpResult, ValidationProblem>> Query([FromBody] QueryRequest body, ClaimsPrincipal user,
        ShangdingDbContext db, ActorResolver actors, CreditQueries queries, GrantService grants, QueryTiming timing, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var what = body.What?.Trim().ToLowerInvariant() switch
        {
            "level" => AccessWhat.Level,
            "score" => AccessWhat.Score,
            "report" => AccessWhat.Report,
            "records" => AccessWhat.Records,
            _ => (AccessWhat?)null,
        };
        if (what is null || body.Subject is null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                [what is null ? "what" : "subject"] = [what is null
                    ? "what 应为 level、score、report 或 records。 'what' must be level, score, report or records."
                    : "请在 subject 中提供证件号码和姓名。 Send the subject's idNumber and name in 'subject'."],
            });
        }

        var actor = await actors.ResolveAsync(user, db, cancellationToken);
        var subjectId = await queries.FindSubjectAsync(db, body.Subject.IdNumber, body.Subject.Name, cancellationToken);
        var grant = await grants.FindAsync(db, body.GrantCode, cancellationToken);
        var request = new AccessRequest(subjectId, what.Value, body.Purpose, body.LetterNumber, grant is null ? null : GrantService.Facts(grant));
        var answer = await queries.QueryAsync(db, actor, request, user.HasClaim(c => c.Type == AccessWeb.KeyClaim) ? "api" : "web", cancellationToken);
        await timing.PadAsync(watch, cancellationToken);
        if (!answer.Allowed)
        {
            return Refused();
        }

        return TypedResults.Ok(new QueryResponse(answer.LogEntryId, what.Value.ToString().ToLowerInvariant(), answer.OptedIn, answer.Level, answer.LevelZh, answer.LevelEn,
            answer.Score, answer.Records?.Select(ToDto).ToList()));
    }

    public static async Task<Results<Ok<BenefitCheckResponse>, ProblemHttpResult, ValidationProblem>> BenefitCheck([FromBody] BenefitCheckRequest body, ClaimsPrincipal user,
        ShangdingDbContext db, ActorResolver actors, CreditQueries queries, GrantService grants, BenefitCatalog benefits, QueryTiming timing, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        if (benefits.Find(body.Benefit) is null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["benefit"] = [$"未知权益；可选：{string.Join("、", benefits.All.Select(b => b.Code))}。 Unknown benefit; one of: {string.Join(", ", benefits.All.Select(b => b.Code))}."],
            });
        }

        var actor = await actors.ResolveAsync(user, db, cancellationToken);
        var subjectId = body.Subject is null ? null : await queries.FindSubjectAsync(db, body.Subject.IdNumber, body.Subject.Name, cancellationToken);
        var grant = await grants.FindAsync(db, body.GrantCode, cancellationToken);
        var request = new AccessRequest(subjectId, AccessWhat.BenefitCheck, body.Purpose, Grant: grant is null ? null : GrantService.Facts(grant), Benefit: body.Benefit);
        var answer = await queries.QueryAsync(db, actor, request, user.HasClaim(c => c.Type == AccessWeb.KeyClaim) ? "api" : "web", cancellationToken);
        await timing.PadAsync(watch, cancellationToken);
        return answer.Allowed ? TypedResults.Ok(new BenefitCheckResponse(answer.LogEntryId, body.Benefit!, answer.Eligible == true)) : Refused();
    }

    public static Ok<IReadOnlyList<BenefitDto>> Benefits(BenefitCatalog benefits) =>
        TypedResults.Ok<IReadOnlyList<BenefitDto>>(benefits.All.Select(b => new BenefitDto(b.Code, b.NameZh, b.NameEn, b.ProviderZh, b.ProviderEn,
            b.MinLevel.ToString(), LevelNames.Zh(b.MinLevel), LevelNames.En(b.MinLevel), b.Source)).ToList());

    public static async Task<Results<Ok<PublicPage>, NotFound>> List(string list, ShangdingDbContext db, PublicInformation information, CancellationToken cancellationToken, int page = 1) =>
        PublicLists.All.Contains(list) ? TypedResults.Ok(await information.ListAsync(db, list, page, cancellationToken)) : TypedResults.NotFound();

    public static async Task<Results<Ok<IReadOnlyList<PublicEntry>>, ValidationProblem>> Search([FromBody] PublicSearchRequest body, ShangdingDbContext db,
        PublicInformation information, CreditQueries queries, QueryTiming timing, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        if (string.IsNullOrWhiteSpace(body.Name) || string.IsNullOrWhiteSpace(body.IdNumber))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["name"] = ["查询须同时提供名称和完整的证件号码（或统一社会信用代码）。 A search needs the name and the full identifier together."],
            });
        }

        var entries = await information.SearchAsync(db, queries, body.Name, body.IdNumber, cancellationToken);
        await timing.PadAsync(watch, cancellationToken);
        return TypedResults.Ok(entries);
    }

    private static ProblemHttpResult Refused() => TypedResults.Problem(title: RefusedTitle, detail: RefusedDetail, statusCode: StatusCodes.Status403Forbidden);

    private static RecordDto ToDto(RecordView r) => new(r.Id, r.CategoryCode, r.CategoryZh, r.CategoryEn, r.InfoClass, r.Polarity, r.Severity, r.UnitCode, r.UnitZh, r.UnitEn,
        r.ActDate, r.Status, r.UnderDispute, r.PublicationEnd, JsonDocument.Parse(r.FieldsJson).RootElement.Clone());
}
