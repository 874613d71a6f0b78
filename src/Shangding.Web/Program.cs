using Shangding.Core.Data;
using Shangding.Web;

var builder = WebApplication.CreateBuilder(args);
builder.AddShangdingWeb();

var app = builder.Build();
try
{
    await app.PrepareDatabaseAsync();
}
catch (DatabaseNewerThanProgramException)
{
    // Logged as critical with the reason (PrepareDatabaseAsync): stop without a stack trace, with the CLI's exit code for it.
    await app.DisposeAsync();
    return 5;
}

app.UseShangdingWeb();
await app.RunAsync();
return 0;

/// <summary>The web host's entry point; public so that WebApplicationFactory can start it in tests.</summary>
public partial class Program;
