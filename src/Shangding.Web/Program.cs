using Shangding.Web;

var builder = WebApplication.CreateBuilder(args);
builder.AddShangdingWeb();

var app = builder.Build();
await app.PrepareDatabaseAsync();
app.UseShangdingWeb();
await app.RunAsync();

/// <summary>The web host's entry point; public so that WebApplicationFactory can start it in tests.</summary>
public partial class Program;
