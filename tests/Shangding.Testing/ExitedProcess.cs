using Shangding.Core.Intake;

namespace Shangding.Testing;

/// <summary>A process of this machine that has run and exited: the runner of a batch whose process is gone.</summary>
public sealed record ExitedProcess(int ProcessId, long StartTicks)
{
    /// <summary>Runs a short process, notes its start while it runs, and waits for it to exit.</summary>
    public static async Task<ExitedProcess> RunAsync(CancellationToken cancellationToken)
    {
        using var process = System.Diagnostics.Process.Start("sleep", "0.2")!;
        var started = BatchRunner.StartTicks(process.Id) ?? throw new InvalidOperationException("The process's start cannot be read from /proc.");
        await process.WaitForExitAsync(cancellationToken);
        return new ExitedProcess(process.Id, started);
    }

    /// <summary>As a batch's runner of this machine (<see cref="BatchRunner"/>).</summary>
    public string Runner => BatchRunner.Describe(Environment.MachineName, BatchRunner.Scope, ProcessId, StartTicks);
}
