using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Shangding.Core.Data;
using Shangding.Core.Intake;

namespace Shangding.Web.Api;

/// <summary>
/// The OpenAPI document (<c>/openapi/v1.json</c>): what the generator cannot see from the endpoints — how callers
/// authenticate, which values a string takes, which members a record really needs.
/// </summary>
public static class ApiDocument
{
    public const string Path = "/openapi/v1.json";

    /// <summary>The security scheme of unit systems' API tokens (<see cref="UnitApiKeyHandler"/>).</summary>
    public const string UnitScheme = "unitApiToken";

    /// <summary>The security scheme of querying organisations' tokens (the query API, which also takes a signed-in session).</summary>
    public const string QueryScheme = "queryApiToken";

    /// <summary>Values of a record's <c>action</c>; omitted or null is an upsert.</summary>
    public static readonly IReadOnlyList<string> Actions = ["upsert", "withdraw"];

    /// <summary>A request's batch is stored (its accepted records) or refused as a whole; a running batch is never answered.</summary>
    public static readonly IReadOnlyList<string> BatchStatuses = [nameof(BatchStatus.Committed), nameof(BatchStatus.Refused)];

    public static void AddShangdingOpenApi(this IServiceCollection services) => services.AddOpenApi(options =>
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Shangding API";
            document.Info.Description = "Zhengzhou public credit information platform and Shangding score (商鼎分).";
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[UnitScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "sd_<key>_<secret>",
                Description = "单位系统的接口凭证，由市信用中心签发。 A reporting unit's API token, issued by the Credit Centre: `Authorization: Bearer sd_<key>_<secret>`.",
            };
            document.Components.SecuritySchemes[QueryScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "sdq_<key>_<secret>",
                Description = "查询机构的查询凭证（或已登录的会话）。 A querying organisation's token (or a signed-in session): `Authorization: Bearer sdq_<key>_<secret>`.",
            };
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            // The operations that require a token say which: from the authentication schemes of their authorization policy.
            var schemes = context.Description.ActionDescriptor.EndpointMetadata.OfType<AuthorizationPolicy>().SelectMany(p => p.AuthenticationSchemes).ToHashSet();
            var scheme = schemes.Contains(UnitApiKeyHandler.SchemeName) ? UnitScheme
                : schemes.Contains(Access.AccessWeb.QueryOrCookieScheme) ? QueryScheme
                : null;
            if (scheme is not null)
            {
                operation.Security ??= [];
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(scheme, context.Document)] = [] });
            }

            return Task.CompletedTask;
        });
        options.AddSchemaTransformer((schema, context, _) =>
        {
            var type = context.JsonTypeInfo.Type;
            if (type == typeof(RecordFields))
            {
                // RecordFields is read by a converter of its own, which the schema generator cannot see into.
                schema.Type = JsonSchemaType.Object;
                schema.Description = "Field code → value. Strings as text, dates as yyyy-MM-dd; numbers may also be sent as JSON numbers.";
                schema.AdditionalProperties = new OpenApiSchema
                {
                    Type = JsonSchemaType.String | JsonSchemaType.Number | JsonSchemaType.Boolean | JsonSchemaType.Null,
                };
            }
            else if (type == typeof(RecordsRequest) && Property(schema, "records") is { } records)
            {
                records.Type = JsonSchemaType.Array;
                records.MinItems = 1;
                records.MaxItems = RecordEndpoints.MaxRecordsPerRequest;
            }
            else if (type == typeof(RecordInput))
            {
                // What the endpoint needs of a record: its key and category (a record without one is rejected with reason
                // "required"). Action defaults to an upsert, and a withdrawal needs no fields.
                schema.Required = new HashSet<string>(StringComparer.Ordinal) { "recordKey", "category" };
                Describe(schema, "recordKey", "The unit's own unique key (≤ 64 characters); sending it again updates the record.");
                Describe(schema, "category", "Catalogue category code, e.g. P-ARREARS-WATER (GET /api/v1/catalog).");
                Describe(schema, "fields", "Field code → value, as listed by GET /api/v1/catalog/{code}; not needed to withdraw.");
                if (Property(schema, "expectedVersion") is { } expected)
                {
                    expected.Minimum = "1";
                    expected.Examples = [JsonValue.Create(2)];
                    expected.Description = "Optional. The version of the unit's record with this key that the change was made from: the record is "
                        + "changed only if it is still at that version, otherwise (or if there is no such record) it is rejected with reason "
                        + "version_changed and nothing is overwritten. Omitted or null: no check.";
                }

                if (Property(schema, "action") is { } action)
                {
                    action.Type = JsonSchemaType.String;
                    action.Enum = [.. Actions.Select(a => JsonValue.Create(a))];
                    action.Default = JsonValue.Create(Actions[0]);
                    action.Description = "\"upsert\" (the default, when omitted) creates or updates the record; \"withdraw\" withdraws it.";
                }
            }
            else if (type == typeof(NilReportRequest))
            {
                schema.Required = new HashSet<string>(StringComparer.Ordinal) { "category" };
                Describe(schema, "category", "Catalogue category code, e.g. P-ARREARS-WATER; the token must be scoped to it.");
                if (Property(schema, "period") is { } period)
                {
                    period.Format = "date";
                    period.Description = "Any day of the period declared (yyyy-MM-dd), e.g. its first day; today (Zhengzhou time) when omitted.";
                }
            }
            else if (type == typeof(NilReportResponse))
            {
                Describe(schema, "alreadyFiled", "True when a nil report of this category and period was filed before: this is its batch, and nothing new was stored.");
                Describe(schema, "periodStart", "The first day of the period declared.");
                Describe(schema, "periodEnd", "The last day of the period declared.");
            }
            else if (type == typeof(RecordOutcomeDto) && Property(schema, "outcome") is { } outcome)
            {
                outcome.Enum = [.. Enum.GetNames<RecordOutcome>().Select(o => JsonValue.Create(o))];
                if (Property(schema, "version") is { } version)
                {
                    version.Minimum = "1";
                    version.Examples = [JsonValue.Create(3)];
                    version.Description = "The version of the unit's record after this request (1 when created; when unchanged, the version it "
                        + "is at); for a record rejected with version_changed, the version it is at now; null for other rejections. Send it "
                        + "as expectedVersion with a next change of the record.";
                }
            }
            else if (type == typeof(RecordsResponse) && Property(schema, "status") is { } status)
            {
                status.Enum = [.. BatchStatuses.Select(s => JsonValue.Create(s))];
            }

            return Task.CompletedTask;
        });
    });

    private static OpenApiSchema? Property(OpenApiSchema schema, string name) =>
        schema.Properties?.TryGetValue(name, out var property) == true ? property as OpenApiSchema : null;

    private static void Describe(OpenApiSchema schema, string name, string description)
    {
        if (Property(schema, name) is { } property)
        {
            property.Description = description;
        }
    }
}
