using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Shangding.Web.Tests.Infrastructure;

/// <summary>A browser-like HTTP client: keeps cookies and fills in the antiforgery token of forms.</summary>
public sealed partial class PortalClient(ShangdingWebFactory factory)
{
    public HttpClient Http { get; } = factory.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = true, AllowAutoRedirect = true });

    public static async Task<PortalClient> SignedInAs(ShangdingWebFactory factory, string user, CancellationToken ct, string? password = null)
    {
        var client = new PortalClient(factory);
        var response = await client.PostFormAsync("/account/signin", new() { ["UserName"] = user, ["Password"] = password ?? Shangding.Web.Access.DemoAccounts.Password }, ct);
        response.EnsureSuccessStatusCode();
        return client;
    }

    /// <summary>Loads the page, takes its antiforgery token and posts the form.</summary>
    public async Task<HttpResponseMessage> PostFormAsync(string url, Dictionary<string, string> fields, CancellationToken ct, string? formPage = null)
    {
        var page = await Http.GetStringAsync(formPage ?? url, ct);
        fields["__RequestVerificationToken"] = TokenRegex().Match(page).Groups[1].Value;
        return await Http.PostAsync(url, new FormUrlEncodedContent(fields), ct);
    }

    /// <summary>Loads the upload page, takes its antiforgery token and posts the file as the page's form does.</summary>
    public async Task<HttpResponseMessage> UploadAsync(string url, byte[] content, string fileName, CancellationToken ct)
    {
        var page = await Http.GetStringAsync(url, ct);
        using var form = new MultipartFormDataContent
        {
            { new StringContent(TokenRegex().Match(page).Groups[1].Value), "__RequestVerificationToken" },
        };
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "Upload", fileName);
        return await Http.PostAsync(url, form, ct);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenRegex();
}
