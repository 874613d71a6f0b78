using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Shangding.Core.Data;
using Shangding.Core.Intake;
using Shangding.Testing;
using Shangding.Web.Tests.Infrastructure;

namespace Shangding.Web.Tests.Intake;

/// <summary>
/// A body the records API cannot read (malformed JSON, the wrong JSON types, no body, not JSON) is refused with the
/// endpoint's own bilingual problem, which says where the JSON broke and echoes neither the token nor the body, in
/// Development (where the framework's answer was its exception page, token and all) as in Production.
/// </summary>
public sealed class RecordsApiBodyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string IdNumber = TestPlatform.ResidentId(new DateOnly(1985, 4, 12), 321);

    /// <summary>Name, content type, body, expected status, and what the answer must say of where the body broke.</summary>
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var environment in new[] { "Development", "Production" })
        {
            foreach (var name in Bodies.Keys)
            {
                data.Add(environment, name);
            }
        }

        return data;
    }

    private static readonly Dictionary<string, (string? ContentType, string Body, HttpStatusCode Status, string[] Says)> Bodies = new()
    {
        // A trailing comma on the third line, after the ID number.
        ["malformed"] = ("application/json", $$$"""
            {"records":[{"recordKey":"B-1","category":"P-ARREARS-WATER",
              "fields":{"name":"王小明","id_type":"居民身份证",
                "id_number":"{{{IdNumber}}}",}}]}
            """, HttpStatusCode.BadRequest, ["第 3 行", "line 3", "$.records[0].fields"]),
        ["cut off"] = ("application/json", $$$"""{"records":[{"recordKey":"B-1","fields":{"id_number":"{{{IdNumber}}}" """,
            HttpStatusCode.BadRequest, ["第 1 行", "line 1"]),
        ["records not an array"] = ("application/json", """{"records":{"recordKey":"B-1","category":"P-ARREARS-WATER"}}""",
            HttpStatusCode.BadRequest, ["$.records", "数组", "an array"]),
        ["a key that is a number"] = ("application/json", """{"records":[{"recordKey":12345,"category":"P-ARREARS-WATER"}]}""",
            HttpStatusCode.BadRequest, ["$.records[0].recordKey", "字符串", "a string"]),
        ["a version that is not a number"] = ("application/json", """{"records":[{"recordKey":"B-1","category":"P-ARREARS-WATER","expectedVersion":true}]}""",
            HttpStatusCode.BadRequest, ["$.records[0].expectedVersion", "整数", "a whole number"]),
        ["a record that is a string"] = ("application/json", """{"records":["B-1"]}""",
            HttpStatusCode.BadRequest, ["$.records[0]", "对象", "an object"]),
        ["fields that are an array"] = ("application/json", $$$"""{"records":[{"recordKey":"B-1","category":"P-ARREARS-WATER","fields":["{{{IdNumber}}}"]}]}""",
            HttpStatusCode.BadRequest, ["$.records[0].fields", "对象", "an object"]),
        ["empty body"] = ("application/json", "", HttpStatusCode.BadRequest, ["请求体为空", "empty"]),
        ["not JSON"] = ("text/plain", $$$"""{"records":[{"recordKey":"B-1","fields":{"id_number":"{{{IdNumber}}}"}}]}""",
            HttpStatusCode.UnsupportedMediaType, ["application/json", "text/plain"]),
        ["no content type"] = (null, $$$"""{"records":[{"recordKey":"B-1","fields":{"id_number":"{{{IdNumber}}}"}}]}""",
            HttpStatusCode.UnsupportedMediaType, ["application/json"]),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task AnUnreadableBody_GetsTheBilingualProblem_SayingWhere_WithoutTokenOrBody(string environment, string name)
    {
        var lines = new ConcurrentQueue<(LogLevel Level, string Text)>();
        using var app = ShangdingWebFactory.In(environment);
        await using var logged = app.WithWebHostBuilder(b => b.ConfigureLogging(l => l.AddProvider(new Collector(lines))));
        var token = await IssueAsync(logged);
        var client = logged.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var (contentType, body, status, says) = Bodies[name];
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        if (contentType is not null)
        {
            content.Headers.ContentType = new MediaTypeHeaderValue(contentType) { CharSet = "utf-8" };
        }

        var response = await client.PostAsync("/api/v1/records", content, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);

        response.StatusCode.ShouldBe(status, text);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json", text);
        var problem = JsonDocument.Parse(text).RootElement;
        var title = problem.GetProperty("title").GetString()!;
        var detail = problem.GetProperty("detail").GetString()!;
        title.ShouldMatch(@"\p{IsCJKUnifiedIdeographs}.* / [A-Za-z]", text);
        detail.ShouldMatch(@"\p{IsCJKUnifiedIdeographs}", text);
        detail.ShouldMatch("[A-Za-z]{3,} [A-Za-z]{3,}", text);
        foreach (var said in says)
        {
            text.ShouldContain(said, Case.Sensitive, text);
        }

        text.ShouldNotContain(token);
        text.ShouldNotContain("sd_");
        text.ShouldNotContain(IdNumber);
        text.ShouldNotContain("Authorization", Case.Insensitive);
        text.ShouldNotContain("Exception");
        text.ShouldNotContain("   at ");

        // A caller's mistake, not the server's: a warning at most, without the body or the token.
        var log = lines.ToList();
        log.Where(l => l.Level >= LogLevel.Error).Select(l => l.Text).ShouldBeEmpty();
        log.ShouldNotContain(l => l.Text.Contains(IdNumber, StringComparison.Ordinal) || l.Text.Contains(token, StringComparison.Ordinal));
        log.ShouldContain(l => l.Level == LogLevel.Warning && l.Text.Contains("/api/v1/records", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Development")]
    [InlineData("Production")]
    public async Task ABodyOfJustNull_OrNoRecords_IsTheSameProblemAsNoRecords(string environment)
    {
        using var app = ShangdingWebFactory.In(environment);
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await IssueAsync(app));
        foreach (var body in new[] { "null", "{}", """{"records":null}""" })
        {
            using var content = new StringContent(body, Encoding.UTF8, "application/json");
            var response = await client.PostAsync("/api/v1/records", content, Ct);
            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, body);
            (await response.Content.ReadAsStringAsync(Ct)).ShouldContain("non-empty array", Case.Sensitive, body);
        }
    }

    [Theory]
    [InlineData("Development")]
    [InlineData("Production")]
    public async Task NoOtherApiAnswer_EchoesTheAuthorizationHeader(string environment)
    {
        using var app = ShangdingWebFactory.In(environment);
        var client = app.CreateClient();
        const string secret = "sd_0123456789ab_ThisSecretMustNotComeBack";
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        // Endpoints other than the records API bind their bodies with the framework: in Development a body it cannot
        // read was its exception page, with the request's headers.
        foreach (var path in new[] { "/api/v1/public/search", "/api/v1/queries", "/api/v1/records" })
        {
            using var content = new StringContent("""{"name":"王小明",""", Encoding.UTF8, "application/json");
            var response = await client.PostAsync(path, content, Ct);
            var text = await response.Content.ReadAsStringAsync(Ct);
            ((int)response.StatusCode).ShouldBeInRange(400, 499, path + " " + text);
            text.ShouldNotContain("ThisSecretMustNotComeBack", Case.Sensitive, path);
            text.ShouldNotContain("   at ", Case.Sensitive, path);
        }
    }

    [Fact]
    public async Task InProduction_AnotherEndpointsUnreadableBody_IsTheSameBilingualProblem_AndAPagesIsThe400Page()
    {
        // Production's minimal APIs answered a body they could not bind with a bare 400 and no word of why.
        using var app = ShangdingWebFactory.In("Production");
        var client = app.CreateClient();
        using var content = new StringContent("""{"name":"王小明",""", Encoding.UTF8, "application/json");
        var response = await client.PostAsync("/api/v1/public/search", content, Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        problem.RootElement.GetProperty("detail").GetString()!.ShouldContain("不是有效的 JSON");
        problem.RootElement.GetProperty("line").GetInt64().ShouldBe(1);

        // A page's endpoint (the language switch) posted without its form: the 400 page, not the error page of a crash.
        var page = await client.PostAsync("/language", new FormUrlEncodedContent(new Dictionary<string, string> { ["culture"] = "en" }), Ct);
        page.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await page.Content.ReadAsStringAsync(Ct)).ShouldContain("<html");
    }

    private static async Task<string> IssueAsync(WebApplicationFactory<Program> app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
        return (await scope.ServiceProvider.GetRequiredService<UnitCredentials>().CreateAsync(db, "WATER-SUPPLY", null, "test", "test", Ct)).Token;
    }

    private sealed class Collector(ConcurrentQueue<(LogLevel, string)> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, lines);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<(LogLevel, string)> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue((logLevel, $"{category}: {formatter(state, exception)} {exception}"));
        }
    }
}
