using System.Globalization;

namespace Shangding.Core.Intake;

/// <summary>
/// Names the process that runs a batch (<c>intake_batches.runner</c>) as <c>machine/scope/pid/start</c>. A process that
/// dies mid-batch leaves its batch Running while the database has rolled back everything else; another process that
/// shares its process table can then tell the runner is gone and mark the batch interrupted at once.
/// <list type="bullet">
/// <item><b>scope</b>: the kernel's boot id and the process-id namespace (<c>/proc/sys/kernel/random/boot_id</c>,
/// <c>/proc/self/ns/pid</c>). Two containers may share a host name, and both run the app as pid 1; only a process in
/// the same namespace of the same boot sees the runner's process table.</item>
/// <item><b>start</b>: the process's start in clock ticks since boot (<c>/proc/{pid}/stat</c>, field 22): a pid reused
/// by a later process has another, and unlike the wall clock it does not move when the clock is set.</item>
/// </list>
/// Judged gone only when the runner is in this scope and its pid has no process or one that started at another tick.
/// Where this cannot be read (not Linux), or <c>/proc</c> hides other users' processes (<c>hidepid</c>), a missing
/// process proves nothing; on SQLite such batches, and those of other machines or containers, are left to the six-hour
/// sweep. On PostgreSQL a batch's transaction also holds a live lock (<see cref="LiveLockClass"/>, its key after a
/// <c>#</c>), by which alone such a batch is judged, from any machine (IntakeService.SweepInterruptedAsync).
/// </summary>
public static class BatchRunner
{
    private const string Proc = "/proc";

    /// <summary>This process's boot and process-id namespace, or empty where they cannot be read.</summary>
    public static string Scope { get; } = ReadScope();

    /// <summary>This process, as stored on the batches it runs.</summary>
    public static string Current { get; } = Describe(Environment.MachineName, Scope, Environment.ProcessId, StartTicks(Environment.ProcessId));

    /// <summary>Whether another user's processes are hidden from this one (<c>/proc</c> mounted with <c>hidepid</c>).</summary>
    private static readonly bool OthersHidden = ReadOthersHidden();

    public static string Describe(string machine, string scope, int processId, long? startTicks) => string.Create(CultureInfo.InvariantCulture,
        $"{machine}/{scope}/{processId}/{startTicks ?? 0}");

    /// <summary>
    /// PostgreSQL: the class of the advisory locks a batch's transaction holds (shared, with its own key) while it runs.
    /// The lock goes with the transaction, however the process ends, so any server can tell a live batch from one whose
    /// runner is gone, wherever it ran. The two-key form: apart from the app's other advisory locks.
    /// </summary>
    public const int LiveLockClass = 727274010;

    /// <summary>This process with the key of the batch's live lock: <c>machine/scope/pid/start#key</c>.</summary>
    public static string ForBatch(int liveKey) => string.Create(CultureInfo.InvariantCulture, $"{Current}#{liveKey}");

    /// <summary>The key of the batch's live lock, if its runner wrote one.</summary>
    public static int? LiveKeyOf(string? runner) =>
        runner?.LastIndexOf('#') is int hash and >= 0
        && int.TryParse(runner.AsSpan(hash + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var key) ? key : null;

    /// <summary>
    /// True when <paramref name="runner"/> names a process of this machine's process table that is no longer running
    /// (no process has its id, or the one that has it started at another tick). False for this process, for other
    /// machines, containers or boots, and for anything it cannot tell (no runner: a batch written before runners were
    /// recorded, or in their first form).
    /// </summary>
    public static bool IsGone(string? runner)
    {
        if (runner?.LastIndexOf('#') is int hash and >= 0)
        {
            runner = runner[..hash];
        }

        if (runner is null || runner == Current || Scope.Length == 0)
        {
            return false;
        }

        var parts = runner.Split('/');
        if (parts.Length != 4
            || !string.Equals(parts[0], Environment.MachineName, StringComparison.OrdinalIgnoreCase)
            || parts[1] != Scope
            || !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var processId)
            || !long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var startTicks)
            || startTicks == 0)
        {
            return false;
        }

        if (StartTicks(processId) is { } started)
        {
            // A pid reused by a later process.
            return started != startTicks;
        }

        // No such process: gone, unless another user's processes are hidden from this one. One that is there but not
        // readable (a security module denying it) may be the runner.
        return !OthersHidden && !Directory.Exists(Path.Combine(Proc, processId.ToString(CultureInfo.InvariantCulture)));
    }

    /// <summary>When the process started, in clock ticks since boot; null when it is not there (or not visible).</summary>
    public static long? StartTicks(int processId)
    {
        try
        {
            return StartTicksIn(File.ReadAllText(Path.Combine(Proc, processId.ToString(CultureInfo.InvariantCulture), "stat")));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The start time (field 22) of a <c>/proc/{pid}/stat</c> line.</summary>
    internal static long? StartTicksIn(string stat)
    {
        // "pid (comm) state ppid …": comm may hold spaces and parentheses, so fields are counted after the last ')'.
        // The start time is field 22, the 20th after comm.
        var close = stat.LastIndexOf(')');
        if (close < 0 || close + 2 > stat.Length)
        {
            return null;
        }

        var fields = stat[(close + 2)..].Split(' ');
        return fields.Length > 19 && long.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) ? ticks : null;
    }

    private static string ReadScope()
    {
        try
        {
            var boot = File.ReadAllText(Path.Combine(Proc, "sys/kernel/random/boot_id")).Trim();
            // "pid:[4026531836]": the namespace's inode.
            var ns = new FileInfo(Path.Combine(Proc, "self/ns/pid")).LinkTarget;
            var inode = ns is null ? "" : new string(ns.Where(char.IsAsciiDigit).ToArray());
            return boot.Length == 0 || inode.Length == 0 ? "" : $"{boot}:{inode}";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    private static bool ReadOthersHidden()
    {
        try
        {
            return HidesOthers(File.ReadLines(Path.Combine(Proc, "self/mountinfo")));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Cannot tell: a missing process then proves nothing.
            return true;
        }
    }

    /// <summary>
    /// Whether the <c>/proc</c> mount of these <c>/proc/self/mountinfo</c> lines hides other users' processes:
    /// "id parent major:minor root mountpoint options … - fstype source superoptions", hidepid among the superoptions.
    /// </summary>
    internal static bool HidesOthers(IEnumerable<string> mountinfo)
    {
        // Mounted more than once, the last mount is the one in effect.
        var hides = false;
        foreach (var line in mountinfo)
        {
            var fields = line.Split(' ');
            var separator = line.IndexOf(" - proc ", StringComparison.Ordinal);
            if (fields.Length > 4 && fields[4] == Proc && separator > 0)
            {
                var options = line[(separator + " - proc ".Length)..];
                hides = options.Contains("hidepid=", StringComparison.Ordinal)
                    && !options.Contains("hidepid=0", StringComparison.Ordinal)
                    && !options.Contains("hidepid=off", StringComparison.Ordinal);
            }
        }

        return hides;
    }
}
