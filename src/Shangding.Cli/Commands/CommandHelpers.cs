using System.CommandLine;

namespace Shangding.Cli.Commands;

internal static class CommandHelpers
{
    public static Option<bool> JsonOption() => new("--json") { Description = "Machine-readable JSON output" };
}
