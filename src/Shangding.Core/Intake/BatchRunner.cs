using System.Diagnostics;
using System.Globalization;

namespace Shangding.Core.Intake;

/// <summary>
/// Names the process that runs a batch (<c>intake_batches.runner</c>): its machine, its process id and when the
/// process started, as <c>machine/pid/start</c> (start in Unix milliseconds). A process that dies mid-batch leaves
/// its batch Running while the database has rolled back everything else; another process on the same machine can then
/// tell, from the process table, that the runner is gone and mark the batch interrupted at once. A process id reused by
/// a later process is told apart by its start time. Runners on other machines cannot be checked from here; their batches
/// are left to the six-hour sweep.
/// </summary>
public static class BatchRunner
{
    // Start times are read back from /proc with clock-tick precision and a boot time in whole seconds.
    private static readonly TimeSpan StartTolerance = TimeSpan.FromSeconds(2);

    /// <summary>This process, as stored on the batches it runs.</summary>
    public static string Current { get; } = Describe(Environment.MachineName, Environment.ProcessId, ProcessStart(Environment.ProcessId));

    public static string Describe(string machine, int processId, DateTime? startedUtc) => string.Create(CultureInfo.InvariantCulture,
        $"{machine}/{processId}/{(startedUtc is { } s ? new DateTimeOffset(s, TimeSpan.Zero).ToUnixTimeMilliseconds() : 0)}");

    /// <summary>
    /// True when <paramref name="runner"/> names a process on this machine that is no longer running (no process has its
    /// id, or the one that has it started at another time). False for this process, for other machines, and for
    /// anything it cannot read (no runner: a batch written before runners were recorded).
    /// </summary>
    public static bool IsGone(string? runner)
    {
        if (runner is null || runner == Current)
        {
            return false;
        }

        var last = runner.LastIndexOf('/');
        var middle = last > 0 ? runner.LastIndexOf('/', last - 1) : -1;
        if (middle <= 0
            || !string.Equals(runner[..middle], Environment.MachineName, StringComparison.OrdinalIgnoreCase)
            || !int.TryParse(runner.AsSpan(middle + 1, last - middle - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var processId)
            || !long.TryParse(runner.AsSpan(last + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var startMs))
        {
            return false;
        }

        if (ProcessStart(processId) is not { } started)
        {
            // No such process (or it has just exited).
            return !ProcessExists(processId);
        }

        return startMs != 0 && (started - DateTimeOffset.FromUnixTimeMilliseconds(startMs).UtcDateTime).Duration() > StartTolerance;
    }

    private static DateTime? ProcessStart(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return process.StartTime.ToUniversalTime();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            return null;
        }
    }

    private static bool ProcessExists(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            // There but not ours to inspect: count it as running.
            return true;
        }
    }
}
