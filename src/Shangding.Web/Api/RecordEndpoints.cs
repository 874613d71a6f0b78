using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Shangding.Core.Intake;

namespace Shangding.Web.Api;

/// <summary>One record sent by a unit's system.</summary>
/// <param name="RecordKey">The unit's own unique key; sending it again updates the record.</param>
/// <param name="Category">Catalogue category code, e.g. P-ARREARS-WATER.</param>
/// <param name="Action">"upsert" (default) or "withdraw".</param>
/// <param name="Fields">Field code → value, as listed by GET /api/v1/catalog/{code}; dates as yyyy-MM-dd.</param>
/// <param name="ExpectedVersion">
/// Optional: the version of the unit's record with this key that the change was made from. The record is changed only if it
/// is still at that version; otherwise the record is rejected with reason <c>version_changed</c> and nothing is overwritten.
/// </param>
public sealed record RecordInput(string? RecordKey, string? Category, string? Action, RecordFields? Fields,
    // Kept out of a rejected record's copy for the rejects file when it was not sent.
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    int? ExpectedVersion = null);

public sealed record RecordsRequest(List<RecordInput>? Records);

public sealed record ReasonDto(string Code, string? Field, string MessageZh, string MessageEn);

public sealed record RecordOutcomeDto(int Index, string? RecordKey, string Outcome, bool NameConflict, IReadOnlyList<ReasonDto> Reasons, int? Version = null);

public sealed record RecordsResponse(long BatchId, string Status, int Total, int Created, int Updated, int Unchanged, int Withdrawn, int Rejected,
    IReadOnlyList<string> Warnings, IReadOnlyList<RecordOutcomeDto> Records);

/// <summary>System integration (系统对接, 003 §12(1)): units send batches of records as JSON.</summary>
public static class RecordEndpoints
{
    public const int MaxRecordsPerRequest = 5000;

    public static void MapRecordEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/api/v1/records", Post)
            .RequireAuthorization(p => p.AddAuthenticationSchemes(UnitApiKeyHandler.SchemeName).RequireAuthenticatedUser())
            .WithTags("Intake")
            .WithName("PostRecords")
            .WithSummary("Create, update or withdraw a batch of records (up to 5,000), answered record by record.")
            .WithDescription("""
                Authenticate with the unit's API token: `Authorization: Bearer sd_<key>_<secret>`.
                Each record names its category and the unit's own record key; sending a key again updates that record,
                and `"action": "withdraw"` withdraws it. Re-sending identical records changes nothing (`unchanged`).
                An optional `expectedVersion` on a record changes it only if the unit's record with that key is still at that
                version (as it was when the change was made): otherwise, or if there is no such record, the record is rejected
                with reason `version_changed` (its message names the version now), so a change made meanwhile — on the
                platform's pages, by another system — is not overwritten. Each record's answer gives the `version` the record is at
                afterwards (for a `version_changed` refusal, the version it is at now): the `expectedVersion` of a next change.
                An optional `Idempotency-Key` header makes a retried request a no-op that returns the first result's counts; a request that failed with nothing stored frees its key.
                Accepted records of one request are stored together; rejected ones come back with reasons in Chinese and English.
                503 with `Retry-After` means the database stayed busy past its wait (on SQLite, another batch was being stored), or another batch of the unit created a record with one of these keys at the same moment (PostgreSQL; the problem's title says so): nothing was stored; send the request again after that many seconds, with the same `Idempotency-Key`.

                Example body:
                ```json
                {"records":[{"recordKey":"W-2026-000123","category":"P-ARREARS-WATER","fields":{
                  "name":"王小明","id_type":"居民身份证","id_number":"410105190001010010","customer_address":"郑州市金水区花园路1号",
                  "arrears_from":"2025-06-01","arrears_counted_to":"2026-02-28","arrears_quantity":120.5,"arrears_amount":1234.5,
                  "determining_body":"市自来水公司","determined_on":"2026-03-02"}},
                  {"recordKey":"W-2025-000007","category":"P-ARREARS-WATER","action":"withdraw","expectedVersion":2}]}
                ```
                """)
            // The body, for the OpenAPI document: without content types, which would have routing answer a body sent as
            // another type with a bare 415 before the endpoint could answer it in both languages (RecordsBody).
            .WithMetadata(new Microsoft.AspNetCore.Http.Metadata.AcceptsMetadata([], typeof(RecordsRequest)))
            .Produces<RecordsResponse>()
            // No records, too many, an over-long Idempotency-Key, or a body that cannot be read (malformed JSON, a value of
            // the wrong JSON type, no body): in both languages, saying where the JSON broke (RecordsBody).
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            // The database stayed busy past its wait (on SQLite, another batch's write lock), or another batch created one of
            // the records meanwhile: nothing was stored; retry after Retry-After seconds with the same Idempotency-Key (DatabaseBusy).
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
    }

    /// <summary>The body is read by <see cref="RecordsBody"/>, not bound by the framework, so that one it cannot read gets this endpoint's problem.</summary>
    public static async Task<IResult> Post(
        HttpRequest httpRequest,
        [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey,
        ClaimsPrincipal user,
        IntakeService intake,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var (body, refusal) = await RecordsBody.ReadAsync(httpRequest, loggers.CreateLogger(typeof(RecordEndpoints)), cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        if (body?.Records is not { Count: > 0 } records)
        {
            return RecordsBody.Refuse("records", "请求中没有记录：records 应为非空数组。 The request holds no records: 'records' must be a non-empty array.");
        }

        if (records.Count > MaxRecordsPerRequest)
        {
            return RecordsBody.Refuse("records",
                $"每次最多 {MaxRecordsPerRequest} 条记录，本次 {records.Count} 条：请分批发送。 At most {MaxRecordsPerRequest} records per request ({records.Count} sent): split the batch.");
        }

        if (idempotencyKey is { Length: > 100 })
        {
            return RecordsBody.Refuse("Idempotency-Key", "幂等键不超过 100 个字符。 The Idempotency-Key is at most 100 characters.");
        }

        var unit = user.FindFirstValue(UnitApiKeyHandler.UnitClaim)!;
        var key = user.FindFirstValue(UnitApiKeyHandler.KeyClaim)!;
        var categories = user.FindAll(UnitApiKeyHandler.CategoryClaim).Select(c => c.Value).ToList();
        var rows = records.Select((r, i) => ToRow(i, r)).ToList();
        var request = new IntakeRequest(unit, IntakeChannels.Api, $"api:{key}", null,
            IdempotencyKey: idempotencyKey, ReturnRecordResults: true, AllowedCategories: categories);
        var result = await intake.RunAsync(request, rows, null, cancellationToken);
        return TypedResults.Ok(new RecordsResponse(result.BatchId, result.Status, result.TotalRows, result.Created, result.Updated, result.Unchanged,
            result.Withdrawn, result.Rejected, result.Warnings,
            result.Records.Select(r => new RecordOutcomeDto(r.RowNumber, r.RecordKey, r.Outcome.ToString(), r.NameConflict,
                r.Reasons.Select(x => new ReasonDto(x.Code, x.Field, x.MessageZh, x.MessageEn)).ToList(), r.Version)).ToList()));
    }

    /// <summary>A JSON record becomes an intake row like any file row: values by column code, as text.</summary>
    /// <summary>
    /// A rejected record as it is kept for the unit's rejects file: Chinese and other text as itself, not as \uXXXX escapes
    /// a clerk cannot read (the file is a download, not HTML; the CSV writer guards its cells against formulas).
    /// </summary>
    private static readonly JsonSerializerOptions RecordAsSent = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static IntakeRow ToRow(int index, RecordInput input)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            [IntakeColumns.RecordKey] = input.RecordKey,
            [IntakeColumns.Action] = input.Action is null or "upsert" ? null : input.Action,
        };
        foreach (var (code, value) in input.Fields ?? [])
        {
            values[code] = value;
        }

        return new IntakeRow(index, input.Category, values, [])
        {
            RawCellsFactory = () => [JsonSerializer.Serialize(input, RecordAsSent)],
            ExpectedVersion = input.ExpectedVersion,
        };
    }
}
