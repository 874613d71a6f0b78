using System.Security.Claims;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Shangding.Web.Api;

/// <summary>
/// Reads the body of <c>POST /api/v1/records</c> (and of <c>POST /api/v1/nil-reports</c>) itself, instead of the framework's binding: a body it cannot read
/// (not JSON, malformed JSON, a value of the wrong JSON type, nothing at all) is refused with the endpoint's own
/// bilingual problem, which says where the JSON broke — line, byte and path — and never the body's contents or the
/// caller's token. The framework's answer was a bare 400 (Production) or its exception page with the request's
/// headers, token included, and an error in the log (Development).
/// </summary>
internal static partial class RecordsBody
{
    /// <summary>The title of every refusal of a request as a whole, as the API's other problems: both languages.</summary>
    public const string RefusedTitle = "请求无效 / The request is not valid";

    public const string UnreadableTitle = "请求体无法读取 / The request body cannot be read";

    /// <summary>A 400 of the records endpoint: one bilingual message under the name of what is wrong.</summary>
    public static ValidationProblem Refuse(string name, string message, string title = RefusedTitle, IDictionary<string, object?>? extensions = null) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [name] = [message] }, detail: message, title: title, extensions: extensions);

    /// <summary>The request's records, or the problem that answers a body that cannot be read.</summary>
    public static Task<(RecordsRequest? Body, IResult? Refusal)> ReadAsync(HttpRequest request, ILogger logger, CancellationToken cancellationToken) =>
        ReadAsync<RecordsRequest>(request, logger, """{"records":[…]}""", Expected, cancellationToken);

    /// <summary>
    /// Another endpoint's JSON body, read the same way: <paramref name="shape"/> is what an empty body is told to send
    /// (e.g. <c>{"records":[…]}</c>), and <paramref name="expected"/> says what the JSON must hold at a path (in Chinese
    /// and English; nulls for a path it does not know).
    /// </summary>
    public static async Task<(T? Body, IResult? Refusal)> ReadAsync<T>(HttpRequest request, ILogger logger, string shape,
        Func<string, (string? Zh, string? En)> expected, CancellationToken cancellationToken)
        where T : class
    {
        if (!request.HasJsonContentType())
        {
            var sent = MediaTypeOf(request);
            Log.Refused(logger, request.Path, Caller(request.HttpContext.User), $"not JSON (content type {sent})");
            return (null, TypedResults.Problem(
                title: UnreadableTitle,
                detail: $"请求体应为 JSON，并以 Content-Type: application/json 发送（收到：{sent}）。 "
                    + $"Send the body as JSON with Content-Type: application/json (received: {sent}).",
                statusCode: StatusCodes.Status415UnsupportedMediaType));
        }

        if (request.ContentLength == 0)
        {
            Log.Refused(logger, request.Path, Caller(request.HttpContext.User), "empty");
            return (null, Refuse("body", $"请求体为空：应为 JSON 对象 {shape}。 The request body is empty: send a JSON object {shape}.", UnreadableTitle));
        }

        var options = request.HttpContext.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        try
        {
            return (await request.ReadFromJsonAsync<T>(options, cancellationToken), null);
        }
        catch (JsonException e)
        {
            // Only the position and the path (property names and indexes, never values) are used: a message of the
            // reader's may quote a character of the body, and the body holds ID numbers.
            var line = (e.LineNumber ?? 0) + 1;
            var position = (e.BytePositionInLine ?? 0) + 1;
            var path = string.IsNullOrEmpty(e.Path) ? "$" : e.Path;
            var extensions = new Dictionary<string, object?> { ["line"] = line, ["bytePositionInLine"] = position, ["path"] = path };
            // The reader's own exceptions (malformed JSON) come inside the serializer's; a value of the wrong type does not.
            var malformed = e.InnerException is JsonException;
            Log.Refused(logger, request.Path, Caller(request.HttpContext.User), $"{(malformed ? "malformed JSON" : "wrong JSON type")} at line {line}, byte {position}, path {path}");
            if (malformed)
            {
                return (null, Refuse(path,
                    $"请求体不是有效的 JSON：在第 {line} 行第 {position} 个字节处出错（位置 {path}）。 "
                    + $"The request body is not valid JSON: it breaks at line {line}, byte {position} (at {path}).", UnreadableTitle, extensions));
            }

            var (zh, en) = expected(path);
            return (null, Refuse(path,
                $"{path} 的值类型不对{(zh is null ? "" : "：应为" + zh)}（第 {line} 行第 {position} 个字节附近）。 "
                + $"The value at {path} has the wrong JSON type{(en is null ? "" : ": it must be " + en)} (near line {line}, byte {position}).",
                UnreadableTitle, extensions));
        }
        catch (BadHttpRequestException e)
        {
            // The body could not be received (too large, cut off by the client): its status, in both languages.
            Log.Refused(logger, request.Path, Caller(request.HttpContext.User), $"not received in full ({e.StatusCode})");
            return (null, TypedResults.Problem(
                title: UnreadableTitle,
                detail: "请求体未能完整接收，请检查其大小后重新发送。 The request body could not be received in full: check its size and send it again.",
                statusCode: e.StatusCode));
        }
    }

    /// <summary>What a request's JSON must hold at a path, for the message: none for a path it does not know.</summary>
    private static (string? Zh, string? En) Expected(string path)
    {
        var match = PathRegex().Match(path);
        if (!match.Success)
        {
            return (null, null);
        }

        var property = match.Groups["property"];
        if (!match.Groups["records"].Success)
        {
            return ("""对象 {"records":[…]}""", """an object {"records":[…]}""");
        }

        if (!match.Groups["index"].Success)
        {
            return ("记录对象的数组", "an array of record objects");
        }

        if (!property.Success)
        {
            return ("对象（一条记录）", "an object (one record)");
        }

        return property.Value.ToLowerInvariant() switch
        {
            "fields" => ("对象（字段编码 → 值）", "an object (field code → value)"),
            "recordkey" or "category" or "action" => ("字符串或 null", "a string or null"),
            "expectedversion" => ("整数或 null", "a whole number or null"),
            _ => (null, null),
        };
    }

    private static string MediaTypeOf(HttpRequest request)
    {
        var type = request.ContentType;
        if (string.IsNullOrWhiteSpace(type))
        {
            return "无 / none";
        }

        // Only a well-formed media type is named back, and only its type and subtype.
        return Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(type, out var parsed) && parsed.MediaType.Length <= 100
            ? parsed.MediaType.ToString()
            : "无法识别 / unrecognised";
    }

    private static string Caller(ClaimsPrincipal user) =>
        $"{user.FindFirstValue(UnitApiKeyHandler.UnitClaim)}/{user.FindFirstValue(UnitApiKeyHandler.KeyClaim)}";

    [GeneratedRegex(@"^\$(?:\.(?<records>records)(?:\[(?<index>\d+)\](?:\.(?<property>\w+))?)?)?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PathRegex();

    private static partial class Log
    {
        /// <summary>A caller's mistake, not the server's: a warning, without the body, its values or the token.</summary>
        [LoggerMessage(EventId = 4001, Level = LogLevel.Warning,
            Message = "Refused the body of {RequestPath} from API key {Caller}: {Problem}")]
        public static partial void Refused(ILogger logger, PathString requestPath, string caller, string problem);
    }
}
