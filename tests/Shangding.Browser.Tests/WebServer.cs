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
    private readonly string _idEncryptionKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private readonly string _idHashKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
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

        // Several servers start at once beside the other test projects on a shared machine: give each
        // time, try another port if one was taken between choosing and binding it, and say why if it never answers.
        for (var attempt = 1; ; attempt++)
        {
            BaseUrl = $"http://127.0.0.1:{FreePort()}";
            _server = Start();
            if (await HealthyAsync(TimeSpan.FromMinutes(3)))
            {
                break;
            }

            var exited = _server.HasExited;
            if (!exited)
            {
                _server.Kill(entireProcessTree: true);
                await _server.WaitForExitAsync();
            }

            if (!exited || attempt == 3)
            {
                throw new InvalidOperationException($"The web server at {BaseUrl} did not answer /health ({(exited ? "it exited" : "still starting after 3 minutes")}). Its last output:\n{string.Join('\n', _output.TakeLast(40))}");
            }
        }

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        Directory.CreateDirectory(ScreenshotDirectory);
    }

    /// <summary>
    /// A browser context on this server. Its waits allow 90 s instead of Playwright's 30: `dotnet test` runs
    /// every test project at once, and on a 2-core CI machine a page can take that long under the load.
    /// </summary>
    public async Task<IBrowserContext> NewContextAsync(BrowserNewContextOptions options)
    {
        RequireBrowser();
        var context = await Browser!.NewContextAsync(options);
        context.SetDefaultTimeout(90_000);
        context.SetDefaultNavigationTimeout(90_000);
        return context;
    }

    /// <summary>The server's last lines of output, for a failure message.</summary>
    public string RecentOutput(int lines = 40) => string.Join('\n', _output.TakeLast(lines));

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

        if (Directory.Exists(_database + "-spool"))
        {
            Directory.Delete(_database + "-spool", recursive: true);
        }
    }

    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _output = new();

    private Process Start()
    {
        var start = WebProgram.StartInfo(BaseUrl, $"Data Source={_database}", _idEncryptionKey, _idHashKey);
        start.Environment["Database__MigrateOnStart"] = "true";
        start.Environment["Demo__Seed"] = "true";
        start.Environment["Demo__Persons"] = "60";
        start.Environment["Jobs__Enabled"] = "false";
        // Every upload is answered at once with its batch page, which shows the import's progress until it is done.
        start.Environment["Intake__UploadWaitSeconds"] = "0";
        // Spooled uploads apart from other servers' (a server takes back the files a stopped one left waiting in line).
        start.Environment["Intake__SpoolDirectory"] = _database + "-spool";
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        while (_output.Count > 200 && _output.TryDequeue(out _))
        {
        }
    }

    private async Task<bool> HealthyAsync(TimeSpan within)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var until = DateTime.UtcNow + within;
        while (DateTime.UtcNow < until && !_server!.HasExited)
        {
            try
            {
                if ((await http.GetAsync(BaseUrl + "/health")).IsSuccessStatusCode)
                {
                    return true;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            await Task.Delay(500);
        }

        return false;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
