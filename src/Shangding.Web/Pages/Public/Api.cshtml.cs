using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Shangding.Web.Pages.Public;

/// <summary>
/// The API reference for people: the OpenAPI document (<see cref="Api.ApiDocument"/>) rendered on the server — endpoints,
/// authentication, request and answer shapes, examples — in the site's layout, its own texts in the reader's language.
/// </summary>
public sealed partial class ApiModel(IServiceProvider services) : PageModel
{
    /// <summary>
    /// A text of the document as shown on the page: an 18-character ID number in an example is masked, as on every page
    /// of the site (the examples' numbers are made up, but a page never shows one whole; the JSON document keeps them).
    /// </summary>
    public static string Text(string? text) => text is null ? "" : IdNumberRegex().Replace(text, "$1********$2");

    [System.Text.RegularExpressions.GeneratedRegex(@"(?<![0-9])([1-9][0-9]{5})[0-9]{8}([0-9]{3}[0-9Xx])(?![0-9])")]
    private static partial System.Text.RegularExpressions.Regex IdNumberRegex();

    public OpenApiDocument Document { get; private set; } = new();

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Document = await services.GetRequiredKeyedService<IOpenApiDocumentProvider>("v1").GetOpenApiDocumentAsync(cancellationToken);
    }

    /// <summary>The operations under /api in the document's order, grouped by their first tag.</summary>
    public IEnumerable<IGrouping<string, (string Path, HttpMethod Method, OpenApiOperation Operation)>> Groups() =>
        (Document.Paths ?? [])
            .Where(p => p.Key.StartsWith("/api/", StringComparison.Ordinal))
            .SelectMany(p => (p.Value.Operations ?? []).Select(o => (Path: p.Key, Method: o.Key, Operation: o.Value)))
            .GroupBy(o => o.Operation.Tags?.FirstOrDefault()?.Name ?? "API");

    public static string Anchor(string schema) => "schema-" + schema;

    /// <summary>A schema in a few words: a referenced schema by its name, an array by its items, otherwise its JSON types.</summary>
    public static string TypeOf(IOpenApiSchema? schema)
    {
        switch (schema)
        {
            case null:
                return "";
            case OpenApiSchemaReference reference:
                return reference.Reference.Id ?? "";
            case { OneOf.Count: > 0 }:
                return string.Join(" | ", schema.OneOf.Select(TypeOf));
            case { Items: { } items } when schema.Type?.HasFlag(JsonSchemaType.Array) == true:
                return TypeOf(items) + "[]";
        }

        if (schema.Type is not { } type)
        {
            return schema.AdditionalProperties is not null ? "object" : "";
        }

        var names = Enum.GetValues<JsonSchemaType>().Where(t => type.HasFlag(t)).Select(t => t.ToString().ToLowerInvariant());
        return string.Join(" | ", names) + (schema.Format is { } format ? $" ({format})" : "");
    }

    /// <summary>The schema a reference or a oneOf with null refers to, to link to it.</summary>
    public static string? ReferenceOf(IOpenApiSchema? schema) => schema switch
    {
        OpenApiSchemaReference reference => reference.Reference.Id,
        { OneOf.Count: > 0 } => schema.OneOf.Select(ReferenceOf).FirstOrDefault(r => r is not null),
        { Items: { } items } => ReferenceOf(items),
        _ => null,
    };
}
