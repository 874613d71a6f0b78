using System.CommandLine;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Core.Intake;
using Shangding.Core.Intake.Files;
using Spectre.Console;

namespace Shangding.Cli.Commands;

internal static class IntakeCommands
{
    public static IEnumerable<Command> Build(CliContext cli)
    {
        var code = new Argument<string>("code") { Description = "Category code, e.g. P-ARREARS-WATER" };
        var output = new Option<FileInfo>("--output", "-o") { Description = "Where to write the .xlsx", Required = true };
        var template = new Command("template", "Write the Excel template of a category") { code, output };
        template.SetAction(async parse =>
        {
            var catalog = cli.Get<CatalogDefinition>();
            var category = catalog.Find(parse.GetValue(code)!) ?? throw new CliException(
                $"没有代码为“{parse.GetValue(code)}”的信息类别，`catalog list` 列出全部类别。 / No category with code '{parse.GetValue(code)}'. `catalog list` shows them all.");
            var target = parse.GetValue(output)!;
            await using (var file = target.Create())
            {
                TemplateWriter.Write(category, catalog, file);
            }

            // In both languages, as the refusals are: an operator's terminal may be either.
            await cli.Out.WriteLineAsync($"已写出 {category.Code} {category.NameZh} 的模板 / Template of {category.Code} {category.NameEn} written to: {target.FullName}");
            return 0;
        });

        var file = new Argument<FileInfo>("file") { Description = "An .xlsx, .xls or .csv file" };
        var unit = new Option<string>("--unit") { Description = "The furnishing unit's code, e.g. WATER-SUPPLY", Required = true };
        var category = new Option<string?>("--category") { Description = "Category code (default: the one named by the platform's template)" };
        var rejects = new Option<FileInfo?>("--rejects") { Description = "Write the rejected rows with reasons to this .xlsx or .csv" };
        var json = CommandHelpers.JsonOption();
        var import = new Command("import", "Import a batch file through the intake pipeline (all valid rows together, or nothing)") { file, unit, category, rejects, json };
        import.SetAction(async (parse, ct) =>
        {
            var input = parse.GetValue(file)!;
            if (!input.Exists)
            {
                throw new CliException($"找不到文件 / File not found: {input.FullName}");
            }

            await cli.Get<SchemaMigrator>().MigrateAsync(ct);
            var importer = cli.Get<FileImport>();
            BatchResult result;
            // A batch that gave way to another is sent again by the import (FileImport.RunAsync): said as its new batch starts,
            // above the progress display when there is one (Spectre.Console prints its own lines there; a line written past it
            // is overwritten by its next refresh).
            var live = !(parse.GetValue(json) || Console.IsOutputRedirected || cli.Out != Console.Out);
            long lastBatch = 0;
            void Started(long batchId)
            {
                if (lastBatch != 0)
                {
                    var line = $"批次 {lastBatch} 与同时处理的另一批次冲突，未保存任何记录；已在其他批次处理完后重新提交为批次 {batchId}。 / " +
                        $"Batch {lastBatch} clashed with another batch and stored nothing; sent again, once the other batches were done, as batch {batchId}.";
                    if (live)
                    {
                        AnsiConsole.WriteLine(line);
                    }
                    else
                    {
                        cli.Error.WriteLine(line);
                    }
                }

                lastBatch = batchId;
            }

            await using (var stream = input.OpenRead())
            {
                if (!live)
                {
                    result = await importer.RunAsync(stream, input.Name, parse.GetValue(unit)!, parse.GetValue(category), "cli", null, ct, Started);
                }
                else
                {
                    result = await AnsiConsole.Progress()
                        .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                        .StartAsync(async progress =>
                        {
                            var task = progress.AddTask($"{input.Name}", maxValue: 100);
                            return await importer.RunAsync(stream, input.Name, parse.GetValue(unit)!, parse.GetValue(category), "cli",
                                (rows, share) =>
                                {
                                    task.Description = $"{input.Name}: {rows:N0} 行 / rows";
                                    task.Value = 100 * share;
                                },
                                ct, Started);
                        });
                }
            }

            if (parse.GetValue(rejects) is { } rejectsFile && result.Rejected > 0)
            {
                await using var context = DataServiceCollectionExtensions.CreateContext(cli.Get<DatabaseSettings>());
                var batch = await context.IntakeBatches.AsNoTracking().SingleAsync(b => b.Id == result.BatchId, ct);
                await using var target = rejectsFile.Create();
                RejectsExport.Write(context, batch, target, rejectsFile.Extension.Equals(".xlsx", StringComparison.OrdinalIgnoreCase), english: false, cli.Get<Shangding.Core.Subjects.IdentityProtector>(), cancellationToken: ct);
            }

            if (parse.GetValue(json))
            {
                cli.WriteJson(new
                {
                    result.BatchId,
                    result.Status,
                    result.TotalRows,
                    result.Created,
                    result.Updated,
                    result.Unchanged,
                    result.Withdrawn,
                    result.Rejected,
                    result.NameConflicts,
                    refusals = result.Refusals.Select(r => new { r.Code, r.MessageZh, r.MessageEn }),
                    result.Warnings,
                });
            }
            else
            {
                foreach (var refusal in result.Refusals)
                {
                    await cli.Error.WriteLineAsync(refusal.ToString());
                }

                foreach (var warning in result.Warnings)
                {
                    await cli.Error.WriteLineAsync("注意 / warning: " + warning);
                }

                await cli.Out.WriteLineAsync(Summary(result));
            }

            return result.Status == nameof(BatchStatus.Committed) ? 0 : 4;
        });

        return [template, import];
    }

    /// <summary>A batch's result as the import prints it: one line in Chinese, one in English, with the batch page's words.</summary>
    internal static string Summary(BatchResult result)
    {
        var (statusZh, statusEn) = result.Status switch
        {
            nameof(BatchStatus.Committed) => ("已入库", "Stored"),
            nameof(BatchStatus.Refused) => ("未处理", "Refused"),
            var other => (other, other),
        };
        var conflictsZh = result.NameConflicts > 0 ? $"，{result.NameConflicts:N0} 行姓名与在库不一致（已标记）" : "";
        var conflictsEn = result.NameConflicts > 0 ? $", {result.NameConflicts:N0} name conflicts flagged" : "";
        return $"批次 {result.BatchId} {statusZh}：共 {result.TotalRows:N0} 行，新增 {result.Created:N0}，更新 {result.Updated:N0}，未变化 {result.Unchanged:N0}，" +
            $"撤回 {result.Withdrawn:N0}，未通过 {result.Rejected:N0}{conflictsZh}。" + Environment.NewLine +
            $"Batch {result.BatchId} {statusEn}: {result.TotalRows:N0} rows — {result.Created:N0} created, {result.Updated:N0} updated, " +
            $"{result.Unchanged:N0} unchanged, {result.Withdrawn:N0} withdrawn, {result.Rejected:N0} rejected{conflictsEn}.";
    }
}
