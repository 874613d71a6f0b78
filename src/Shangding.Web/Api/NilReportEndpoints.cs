using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Shangding.Core.Calendar;
using Shangding.Core.Data;
using Shangding.Core.Intake;
using Shangding.Core.Reporting;

namespace Shangding.Web.Api;

/// <summary>A nil report asked for by a unit's system.</summary>
/// <param name="Category">Catalogue category code, e.g. P-ARREARS-WATER.</param>
/// <param name="Period">Any day of the period declared, yyyy-MM-dd (e.g. its first day); today (Zhengzhou time) when omitted.</param>
public sealed record NilReportRequest(string? Category, string? Period);

/// <summary>The nil report's batch: filed now, or filed before for the same category and period (<paramref name="AlreadyFiled"/>).</summary>
public sealed record NilReportResponse(long BatchId, string Status, string Category, DateOnly PeriodStart, DateOnly PeriodEnd, bool AlreadyFiled,
    string MessageZh, string MessageEn);

/// <summary>
/// The nil report (本期无新增信息, 003 §12–13) for units connected by API: the same declaration a clerk files on
/// <c>/unit/reporting</c> (<see cref="NilReport.FileAsync"/>), authenticated by the unit's API token and limited to its scope.
/// </summary>
public static class NilReportEndpoints
{
    public const string Path = "/api/v1/nil-reports";

    public const string RefusedTitle = "不能申报 / The nil report is refused";

    public static void MapNilReportEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapPost(Path, Post)
            .RequireAuthorization(p => p.AddAuthenticationSchemes(UnitApiKeyHandler.SchemeName).RequireAuthenticatedUser())
            .WithTags("Intake")
            .WithName("PostNilReport")
            .WithSummary("Declare that the unit has nothing new for a category and period (本期无新增信息): a nil report, which counts as the period's report.")
            .WithDescription("""
                Authenticate with the unit's API token: `Authorization: Bearer sd_<key>_<secret>`; the token must be scoped to the category.
                A unit with nothing new for a category files this instead of records: a request whose every record was rejected, or no request at all, is not a report.
                `period` is any day of the period declared (yyyy-MM-dd), today (Zhengzhou time) when omitted: for a unit connected by API every category is reported daily, so the period is that working day.
                The period must be open: the one owed (due or overdue), or today's period of a daily cycle; a longer period only once it has ended.
                It is stored like any batch (a Committed batch of no records, channel `nil-report`, with its audit entry) and answers a reminder as records would.
                Idempotent: a second request for the same category and period stores nothing and answers with the first one's batch (`alreadyFiled`: true).
                A refusal is a problem with `code`: 403 `outside_credential` (the token is not scoped to the category) or `not_responsible` (the unit does not furnish it);
                409 `period_reported` (records already reported it), `period_not_ended`, `period_not_open` (another period is owed; the detail names the open ones) or `no_period` (a non-working day of a daily category).

                Example body:
                ```json
                {"category":"P-ARREARS-WATER","period":"2026-03-02"}
                ```
                Example answer:
                ```json
                {"batchId":1234,"status":"Committed","category":"P-ARREARS-WATER","periodStart":"2026-03-02","periodEnd":"2026-03-02","alreadyFiled":false,
                 "messageZh":"本期无新增信息：2026年3月2日","messageEn":"Nothing new this period: 2 March 2026"}
                ```
                """)
            .WithMetadata(new Microsoft.AspNetCore.Http.Metadata.AcceptsMetadata([], typeof(NilReportRequest)))
            .Produces<NilReportResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
    }

    /// <summary>The body is read by <see cref="RecordsBody"/>, as the records endpoint's, so one it cannot read gets a bilingual problem.</summary>
    public static async Task<IResult> Post(
        HttpRequest httpRequest,
        ClaimsPrincipal user,
        IntakeService intake,
        ShangdingDbContext db,
        WorkingDayCalendar calendar,
        ReportingOptions options,
        TimeProvider clock,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var (body, refusal) = await RecordsBody.ReadAsync<NilReportRequest>(httpRequest, loggers.CreateLogger(typeof(NilReportEndpoints)),
            """{"category":"…"}""", Expected, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        if (string.IsNullOrWhiteSpace(body?.Category))
        {
            return RecordsBody.Refuse("category", "请写明类别：category 为信用信息目录中的类别编码，如 P-ARREARS-WATER。 Name the category: 'category' is a catalogue category code, e.g. P-ARREARS-WATER.");
        }

        var code = body.Category.Trim();
        var catalog = intake.Catalog;
        if (catalog.Find(code) is not { } category)
        {
            var unknown = IntakeMessages.UnknownCategory(code);
            return RecordsBody.Refuse("category", $"{unknown.MessageZh} {unknown.MessageEn}");
        }

        DateOnly day;
        if (body.Period is null)
        {
            day = ReportingTime.ChinaDate(clock.GetUtcNow().UtcDateTime);
        }
        else if (!DateOnly.TryParseExact(body.Period.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day))
        {
            return RecordsBody.Refuse("period", "period 应为期间内的某一天，格式 yyyy-MM-dd，如 2026-03-02。 'period' must be a day of the period as yyyy-MM-dd, e.g. 2026-03-02.");
        }

        var unit = user.FindFirstValue(UnitApiKeyHandler.UnitClaim)!;
        var key = user.FindFirstValue(UnitApiKeyHandler.KeyClaim)!;
        if (!category.ResponsibleUnits.Contains(unit, StringComparer.Ordinal))
        {
            var reason = IntakeMessages.NotResponsible(catalog.FindUnit(unit)?.NameZh ?? unit, category);
            return Refused(StatusCodes.Status403Forbidden, reason.Code, reason.MessageZh, reason.MessageEn);
        }

        if (!user.FindAll(UnitApiKeyHandler.CategoryClaim).Any(c => c.Value == category.Code))
        {
            return Refused(StatusCodes.Status403Forbidden, "outside_credential",
                $"本接口凭证无权报送“{category.NameZh}”：请向市信用中心申请扩大凭证范围。",
                $"This API credential may not furnish '{category.NameEn}': ask the Credit Centre to widen its scope.");
        }

        var result = await NilReport.FileAsync(intake, db, calendar, options, clock, unit, category.Code, day, $"api:{key}", cancellationToken);
        if (!result.Filed || result.Period is not { } period)
        {
            return Refused(result.RefusalCode == "not_responsible" ? StatusCodes.Status403Forbidden : StatusCodes.Status409Conflict,
                result.RefusalCode ?? "refused", result.RefusalZh ?? "", result.RefusalEn ?? "");
        }

        return TypedResults.Ok(new NilReportResponse(result.BatchId!.Value, nameof(BatchStatus.Committed), category.Code, period.Start, period.End,
            result.AlreadyFiled,
            "本期无新增信息：" + ReminderNotice.PeriodZh(period.Start, period.End),
            "Nothing new this period: " + ReminderNotice.PeriodEn(period.Start, period.End)));
    }

    private static ProblemHttpResult Refused(int status, string code, string zh, string en) =>
        TypedResults.Problem(title: RefusedTitle, detail: $"{zh} {en}", statusCode: status,
            extensions: new Dictionary<string, object?> { ["code"] = code, ["messageZh"] = zh, ["messageEn"] = en });

    /// <summary>What the body must hold at a JSON path, for the message of a value of the wrong type.</summary>
    private static (string? Zh, string? En) Expected(string path) => path.ToLowerInvariant() switch
    {
        "$" => ("""对象 {"category":"…","period":"yyyy-MM-dd"}""", """an object {"category":"…","period":"yyyy-MM-dd"}"""),
        "$.category" or "$.period" => ("字符串", "a string"),
        _ => (null, null),
    };
}
