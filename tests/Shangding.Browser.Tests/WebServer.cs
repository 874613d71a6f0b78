using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Playwright;
using Shangding.Testing;

namespace Shangding.Browser.Tests;

/// <summary>
/// The real web app as a separate process (Kestrel on 127.0.0.1, SQLite in a temporary file, demo
/// data) and Debian's Chromium driven by Playwright. Without Chromium the tests are skipped locally;
/// under CI=true they fail, since .ci/run installs it.
/// </summary>
public sealed class WebServer : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private readonly string _database = Path.Combine(Path.GetTempPath(), $"shangding-browser-{Guid.NewGuid():N}.db");
    private Process? _server;
    private IPlaywright? _playwright;

    public string BaseUrl { get; private set; } = "";

    /// <summary>The server's SQLite file, for tests that must age a row (the server's clock cannot be moved).</summary>
    public string DatabasePath => _database;
    public IBrowser? Browser { get; private set; }

    public static string ScreenshotDirectory { get; } = Path.Combine(RepoPaths.Root, "artifacts", "screenshots");

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            return;
        }

        var port = FreePort();
        BaseUrl = $"http://127.0.0.1:{port}";
        var web = Path.Combine(RepoPaths.Root, "src", "Shangding.Web");
        var dll = Directory.GetFiles(Path.Combine(web, "bin"), "Shangding.Web.dll", SearchOption.AllDirectories)
            .OrderByDescending(File.GetLastWriteTimeUtc).First();
        var start = new ProcessStartInfo("dotnet", [dll, "--urls", BaseUrl, "--contentRoot", web])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = web,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["Shangding__Home"] = RepoPaths.Root;
        start.Environment["Database__Provider"] = "Sqlite";
        start.Environment["ConnectionStrings__Shangding"] = $"Data Source={_database}";
        start.Environment["Database__MigrateOnStart"] = "true";
        start.Environment["Demo__Seed"] = "true";
        start.Environment["Demo__Persons"] = "60";
        start.Environment["Jobs__Enabled"] = "false";
        start.Environment["Security__IdEncryptionKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        start.Environment["Security__IdHashKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        _server = Process.Start(start)!;
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();

        using var http = new HttpClient();
        for (var i = 0; i < 120; i++)
        {
            try
            {
                if ((await http.GetAsync(BaseUrl + "/health")).IsSuccessStatusCode)
                {
                    break;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(500);
        }

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        Directory.CreateDirectory(ScreenshotDirectory);
    }

    /// <summary>Skips (locally) or fails (CI) when Chromium is missing.</summary>
    public void RequireBrowser()
    {
        if (Browser is not null)
        {
            return;
        }

        if (TestDatabase.InCi)
        {
            throw new InvalidOperationException($"CI=true but {ChromiumPath} is missing: .ci/run installs Debian's chromium.");
        }

        Assert.Skip($"Browser tests need Debian's chromium at {ChromiumPath} (apt-get install chromium).");
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (_server is { HasExited: false })
        {
            _server.Kill(entireProcessTree: true);
            await _server.WaitForExitAsync();
        }

        _server?.Dispose();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(_database + suffix);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
