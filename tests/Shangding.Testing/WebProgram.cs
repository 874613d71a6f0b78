using System.Diagnostics;

namespace Shangding.Testing;

/// <summary>The built web app (<c>src/Shangding.Web/bin/…/Shangding.Web.dll</c>) as it is run: a process of its own on SQLite.</summary>
public static class WebProgram
{
    /// <summary>How to start it on <paramref name="baseUrl"/> with the SQLite database of <paramref name="connectionString"/>, output redirected.</summary>
    public static ProcessStartInfo StartInfo(string baseUrl, string connectionString, string idEncryptionKey, string idHashKey)
    {
        var web = Path.Combine(RepoPaths.Root, "src", "Shangding.Web");
        var dll = Directory.GetFiles(Path.Combine(web, "bin"), "Shangding.Web.dll", SearchOption.AllDirectories)
            .OrderByDescending(File.GetLastWriteTimeUtc).First();
        var start = new ProcessStartInfo("dotnet", [dll, "--urls", baseUrl, "--contentRoot", web])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = web,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["Shangding__Home"] = RepoPaths.Root;
        start.Environment["Database__Provider"] = "Sqlite";
        start.Environment["ConnectionStrings__Shangding"] = connectionString;
        start.Environment["Security__IdEncryptionKey"] = idEncryptionKey;
        start.Environment["Security__IdHashKey"] = idHashKey;
        return start;
    }
}
