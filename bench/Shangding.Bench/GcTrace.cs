using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace Shangding.Bench;

/// <summary>
/// (diagnostic, SHANGDING_BENCH_GCTRACE=1) Counts the runtime's garbage collections by generation, reason and
/// type (0 blocking, 1 background) and the types whose allocations land on the large-object heap.
/// </summary>
internal sealed class GcTrace : EventListener
{
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x1); // GC keyword
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (e.EventName == "GCStart_V2" && e.Payload is { Count: > 3 } start)
        {
            _counts.AddOrUpdate($"gen{start[1]} reason {start[2]} type {start[3]}", 1, (_, v) => v + 1);
        }
        else if (e.EventName == "GCAllocationTick_V4" && e.Payload is { Count: > 5 } tick && Convert.ToInt32(tick[1]) == 1)
        {
            _counts.AddOrUpdate($"large-object ticks {tick[5]}", 1, (_, v) => v + 1);
        }
    }

    public Dictionary<string, int> Summary() => _counts.OrderByDescending(kv => kv.Value).ToDictionary(kv => kv.Key, kv => kv.Value);
}
