using System.Text.Json;
using Shangding.Core.Scoring;

namespace Shangding.Web.Portal;

/// <summary>
/// What the pages hand to <c>wwwroot/js/charts.js</c> (Apache ECharts): a small JSON spec per chart
/// in a <c>data-chart</c> attribute. The same numbers are always on the page as text or a table.
/// </summary>
public static class Charts
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Colour of a level, shared by the home page, gauges and charts (contrast ≥ 4.5:1 on white).</summary>
    public static string Colour(ScoreLevel level) => level switch
    {
        ScoreLevel.Outstanding => "#1c6b3c",
        ScoreLevel.Excellent => "#2b7a4f",
        ScoreLevel.Good => "#1a5fb4",
        ScoreLevel.MinorDishonesty => "#9a5b00",
        _ => "#9c2b12",
    };

    public static string Bars(IEnumerable<string> labels, IEnumerable<int> values, IEnumerable<string>? colours = null) =>
        JsonSerializer.Serialize(new { kind = "bars", labels, values, colours }, Json);

    /// <summary>A gauge over the model's range with one coloured band per level.</summary>
    public static string Gauge(ScoreModel model, int value, string levelName, ScoreLevel level)
    {
        var ascending = model.Levels.Reverse().ToList();
        var bands = ascending.Select((l, i) => new { to = i + 1 < ascending.Count ? ascending[i + 1].Min : model.Max, colour = Colour(l.Level) });
        return JsonSerializer.Serialize(new { kind = "gauge", min = model.Min, max = model.Max, value, level = levelName, levelColour = Colour(level), bands }, Json);
    }

    public static string History(ScoreModel model, IEnumerable<string> labels, IEnumerable<int> values, bool english)
    {
        var marks = model.Levels.Where(l => l.Min > model.Min).Select(l => new { value = l.Min, name = english ? l.NameEn : l.NameZh, colour = Colour(l.Level) });
        var list = values.ToList();
        var low = Math.Max(model.Min, Math.Min(list.DefaultIfEmpty(model.Base).Min(), model.Levels[^2].Min) - 10);
        var high = Math.Min(model.Max, Math.Max(list.DefaultIfEmpty(model.Base).Max(), model.Levels[0].Min) + 10);
        return JsonSerializer.Serialize(new { kind = "history", labels, values = list, min = low, max = high, marks }, Json);
    }
}
