using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Shangding.Core.Audit;
using Shangding.Core.Catalog;
using Shangding.Core.Data;

namespace Shangding.Core.Scoring;

/// <summary>
/// Every model file of <c>catalog/models/</c>, validated at start, and which one is active: the
/// version of the newest row of <c>score_model_activations</c>, or the newest file when none was
/// ever activated. Activating a model is an operator's act: it is recorded, chained into the audit
/// log, and everyone who opted in is queued for rescoring.
/// </summary>
public sealed class ScoreModelRegistry
{
    private readonly Dictionary<string, ScoreModel> _models;
    private readonly DatabaseSettings _settings;
    private readonly TimeProvider _clock;
    private ScoreModel? _active;

    public ScoreModelRegistry(ShangdingPaths paths, CatalogDefinition catalog, DatabaseSettings settings, TimeProvider clock)
    {
        _settings = settings;
        _clock = clock;
        var folder = Path.Combine(paths.CatalogDirectory, ScoreModelLoader.ModelsFolder);
        _models = (Directory.Exists(folder) ? Directory.GetFiles(folder, "*.yaml") : [])
            .Select(file => ScoreModelLoader.Load(file, catalog))
            .ToDictionary(m => m.Version, StringComparer.Ordinal);
        if (_models.Count == 0)
        {
            throw new CatalogLoadException($"No score model in {folder}: the catalogue needs at least one models/*.yaml.");
        }
    }

    public IReadOnlyCollection<ScoreModel> Models => _models.Values;

    public ScoreModel? Find(string version) => _models.GetValueOrDefault(version);

    /// <summary>The active model (read from the database once, then kept up to date by <see cref="ActivateAsync"/>).</summary>
    public ScoreModel Active => _active ??= LoadActive();

    public async Task ActivateAsync(ShangdingDbContext context, string version, string actor, string? note, CancellationToken cancellationToken)
    {
        var model = Find(version) ?? throw new ArgumentException($"There is no model version '{version}' in catalog/models.", nameof(version));
        var now = _clock.GetUtcNow().UtcDateTime;
        now = new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerMillisecond), DateTimeKind.Utc);
        await using var transaction = await context.Database.BeginTransactionAsync(cancellationToken);
        var activation = new ModelActivation { Version = version, ActivatedAt = now, ActivatedBy = actor, Note = note };
        context.ModelActivations.Add(activation);
        await context.SaveChangesAsync(cancellationToken);
        var connection = context.Database.GetDbConnection();
        await AuditChain.AppendAsync(connection, transaction.GetDbTransaction(), _settings.Provider, "model-activation", activation.Id, actor,
            $"score model {version} activated" + (note is null ? "" : ": " + note), version, now, cancellationToken);
        await context.Database.ExecuteSqlAsync($"""
            INSERT INTO rescore_queue (subject_id, reason, marked_at)
            SELECT subject_id, 'model-activated', {now} FROM score_opt_ins WHERE opted_out_at IS NULL
            ON CONFLICT (subject_id) DO UPDATE SET reason = excluded.reason, marked_at = excluded.marked_at
            """, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        _active = model;
    }

    private ScoreModel LoadActive()
    {
        using var context = DataServiceCollectionExtensions.CreateContext(_settings);
        string? version = null;
        try
        {
            version = context.ModelActivations.AsNoTracking().OrderByDescending(a => a.Id).Select(a => a.Version).FirstOrDefault();
        }
        catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or Npgsql.PostgresException)
        {
            // Not migrated yet (first start): the newest file is the active model.
        }

        return version is not null && Find(version) is { } activated
            ? activated
            : _models.Values.OrderBy(m => m.Version, StringComparer.Ordinal).Last();
    }
}
