using System.CommandLine;
using System.Globalization;
using Jiangwanli.Engine.Packs;
using Jiangwanli.Server.Packs;

namespace Jiangwanli.Cli.Commands;

/// <summary><c>jwl rules check FILE</c>: validates a pack; located errors and exit 1, or a summary and exit 0.</summary>
internal static class RulesCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "The rule pack (YAML)." };
        var check = new Command("check", "Validate a rule pack: print its errors with line and column (exit 1), or a summary (exit 0).")
        {
            file,
        };
        check.SetAction(parseResult =>
        {
            var configuration = parseResult.InvocationConfiguration;
            return Check(parseResult.GetValue(file)!.FullName, configuration.Output, configuration.Error);
        });

        return new Command("rules", "Work with rule packs.") { check };
    }

    /// <summary>Checks one pack file.</summary>
    internal static int Check(string path, TextWriter output, TextWriter error)
    {
        var display = Path.GetRelativePath(Directory.GetCurrentDirectory(), path);
        var result = RulePackLoader.LoadFile(path);
        if (!result.Success)
        {
            foreach (var diagnostic in result.Errors)
            {
                error.WriteLine($"{display}:{diagnostic}");
            }

            error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{display}: {result.Errors.Count} error(s)"));
            return 1;
        }

        var pack = result.Pack;
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{display}: ok — pack {pack.Version}: {pack.Rules.Count} rules, {pack.Features.Count} features, {pack.Lists.Count} lists, {pack.Schema.Fields.Count} fields; review at {pack.ReviewAt}, deny at {pack.DenyAt}"));
        foreach (var list in pack.Lists.Values.OrderBy(static l => l.Name, StringComparer.Ordinal))
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  list {list.Name} ({PackHost.KindName(list.Kind)}): {list.Count} entries"));
        }

        foreach (var rule in pack.Rules)
        {
            var effect = rule.Action == RuleAction.None
                ? string.Create(CultureInfo.InvariantCulture, $"+{rule.Score}")
                : PackDescription.ActionName(rule.Action) + (rule.Score != 0 ? string.Create(CultureInfo.InvariantCulture, $" +{rule.Score}") : string.Empty);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  rule {rule.Id} (line {rule.Line}): {effect}"));
        }

        return 0;
    }
}
