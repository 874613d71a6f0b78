using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Localization;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Shangding.Testing;
using Shangding.Web.Localization;

namespace Shangding.Web.Tests.Errors;

/// <summary>
/// The answer to a request whose database stayed busy past its wait: 503 with Retry-After and a message in the reader's
/// language that nothing was stored — on an app of its own with endpoints that throw what SQLite and PostgreSQL throw
/// (making SQLite's 30 s busy timeout run out in a test would take 30 s).
/// </summary>
public sealed class DatabaseBusyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<WebApplication> StartAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddSingleton(UiText.LoadFolder(Path.Combine(RepoPaths.Root, "src", "Shangding.Web", "Resources")));
        builder.Services.AddProblemDetails();
        var app = builder.Build();
        CultureInfo[] cultures = [new(UiText.Chinese), new(UiText.English)];
        app.UseRequestLocalization(new RequestLocalizationOptions
        {
            DefaultRequestCulture = new RequestCulture(UiText.Chinese),
            SupportedCultures = cultures,
            SupportedUICultures = cultures,
            RequestCultureProviders = [new QueryStringRequestCultureProvider()],
        });
        app.UseDatabaseBusyAnswer();
        app.MapPost("/api/v1/records", () => Throw(new SqliteException("database is locked", SQLitePCL.raw.SQLITE_BUSY)));
        app.MapPost("/unit/upload", () => Throw(new InvalidOperationException("wrapped", new PostgresException("canceling statement due to lock timeout", "ERROR", "ERROR", PostgresErrorCodes.LockNotAvailable))));
        var meanwhile = new Shangding.Core.Intake.RecordCreatedMeanwhileException(
            new PostgresException("duplicate key value violates unique constraint", "ERROR", "ERROR", PostgresErrorCodes.UniqueViolation));
        app.MapPost("/api/v1/records/meanwhile", () => Throw(meanwhile));
        app.MapPost("/unit/entry", () => Throw(meanwhile));
        app.MapGet("/account/signin", () => Throw(new SqliteException("UNIQUE constraint failed", SQLitePCL.raw.SQLITE_CONSTRAINT)));
        await app.StartAsync(Ct);
        return app;
    }

    private static IResult Throw(Exception exception) => throw exception;

    [Fact]
    public async Task AnApiRequest_Gets503_RetryAfter_AndAProblemInBothLanguages()
    {
        await using var app = await StartAsync();
        var response = await app.GetTestClient().PostAsync("/api/v1/records", null, Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        response.Headers.RetryAfter!.Delta.ShouldBe(TimeSpan.FromSeconds(DatabaseBusy.RetryAfterSeconds));
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
        problem.GetProperty("status").GetInt32().ShouldBe(503);
        var detail = problem.GetProperty("detail").GetString()!;
        detail.ShouldContain("未保存任何内容");
        detail.ShouldContain("nothing of it was stored");
    }

    [Fact]
    public async Task APage_Gets503_WithTheMessageInTheReadersLanguage()
    {
        await using var app = await StartAsync();
        var client = app.GetTestClient();

        var zh = await client.PostAsync("/unit/upload", null, Ct);
        zh.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        zh.Content.Headers.ContentType!.MediaType.ShouldBe("text/html");
        var page = await zh.Content.ReadAsStringAsync(Ct);
        page.ShouldContain("<html lang=\"zh-CN\">");
        page.ShouldContain("平台正忙");
        page.ShouldContain("未保存任何内容");

        var en = await client.PostAsync("/unit/upload?culture=en", null, Ct);
        en.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        (await en.Content.ReadAsStringAsync(Ct)).ShouldContain("nothing of it was stored");
    }

    [Fact]
    public async Task AnotherDatabaseError_IsNotCalledBusy()
    {
        await using var app = await StartAsync();
        DatabaseBusy.Is(new SqliteException("UNIQUE constraint failed", SQLitePCL.raw.SQLITE_CONSTRAINT)).ShouldBeFalse();
        await Should.ThrowAsync<SqliteException>(() => app.GetTestClient().GetAsync("/account/signin", Ct));
    }

    [Fact]
    public async Task ARecordCreatedByAnotherBatchMeanwhile_Gets503_RetryAfter_SayingWhatHappened()
    {
        await using var app = await StartAsync();
        var client = app.GetTestClient();

        var api = await client.PostAsync("/api/v1/records/meanwhile", null, Ct);
        api.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        api.Headers.RetryAfter!.Delta.ShouldBe(TimeSpan.FromSeconds(DatabaseBusy.RetryAfterSeconds));
        var problem = JsonDocument.Parse(await api.Content.ReadAsStringAsync(Ct)).RootElement;
        problem.GetProperty("title").GetString().ShouldBe("记录已被同时新建 / A record was created meanwhile");
        var detail = problem.GetProperty("detail").GetString()!;
        detail.ShouldContain("另一批次在同一时刻新建了本批次中某个编号的记录");
        detail.ShouldContain("Send it again");

        var zh = await (await client.PostAsync("/unit/entry", null, Ct)).Content.ReadAsStringAsync(Ct);
        zh.ShouldContain("记录已被同时新建");
        zh.ShouldContain("请重新提交");
        zh.ShouldNotContain("平台正忙");
        var en = await client.PostAsync("/unit/entry?culture=en", null, Ct);
        en.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        (await en.Content.ReadAsStringAsync(Ct)).ShouldContain("Another batch created a record with one of this batch");
    }
}
