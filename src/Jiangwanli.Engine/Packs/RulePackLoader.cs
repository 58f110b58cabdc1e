using System.Globalization;
using Jiangwanli.Engine.Features;
using Jiangwanli.Engine.Lists;
using Jiangwanli.Engine.Rules;
using Jiangwanli.Engine.Schema;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Jiangwanli.Engine.Packs;

/// <summary>
/// Loads a rule pack from YAML: validates every section, compiles every rule, and reports all problems found
/// with their line and column (not just the first).
/// </summary>
/// <remarks>
/// Uses YamlDotNet's representation model rather than its deserializer so that every node keeps its position
/// for error messages, and so that unknown keys (typos) are reported instead of silently ignored.
/// </remarks>
public static class RulePackLoader
{
    private const int MaxFeatures = 256;
    private const int MaxRules = 10_000;
    private static readonly TimeSpan s_maxWindow = TimeSpan.FromDays(31);

    /// <summary>Loads a pack file; list files named in it are read relative to its folder.</summary>
    public static RulePackLoadResult LoadFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Fail(null, 0, 0, $"cannot read pack file '{path}': {e.Message}");
        }

        return Load(text, Path.GetDirectoryName(Path.GetFullPath(path)));
    }

    /// <summary>Loads a pack from YAML text.</summary>
    /// <param name="yaml">The pack.</param>
    /// <param name="baseDirectory">Folder that list <c>file:</c> entries are relative to; null forbids list files.</param>
    public static RulePackLoadResult Load(string yaml, string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            return Fail(null, (int)e.Start.Line, (int)e.Start.Column, "invalid YAML: " + StripLocation(e.Message));
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            // YamlDotNet reports a duplicate mapping key as ArgumentException, and some malformed scalars as
            // InvalidOperationException (found by the mutation test); both are bad input, not our failure.
            return Fail(null, 1, 1, "invalid YAML: " + e.Message);
        }

        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            return Fail(null, 1, 1, "a pack is one YAML mapping with version, schema, features, lists, rules and decision");
        }

        var builder = new Builder(yaml, baseDirectory);
        return builder.Build(root);
    }

    private static RulePackLoadResult Fail(string? rule, int line, int column, string message)
        => new(null, [new RuleDiagnostic(rule, line, column, message)]);

    private static string StripLocation(string message)
    {
        // YamlDotNet prefixes "(Line: 3, Col: 5, Idx: ..) - (Line: ..): " which we already report as line:column.
        var i = message.IndexOf("): ", StringComparison.Ordinal);
        return i >= 0 && message.StartsWith('(') ? message[(i + 3)..] : message;
    }

    /// <summary>Parses a window length such as <c>30s</c>, <c>5m</c>, <c>1h</c>, <c>7d</c> or <c>250ms</c>.</summary>
    public static bool TryParseDuration(string text, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var i = 0;
        while (i < text.Length && char.IsAsciiDigit(text[i]))
        {
            i++;
        }

        if (i == 0 || !long.TryParse(text.AsSpan(0, i), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            return false;
        }

        var unit = text.AsSpan(i);
        double ms = unit switch
        {
            "ms" => 1,
            "s" => 1000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            _ => -1,
        };
        if (ms < 0 || n > 1_000_000_000)
        {
            return false;
        }

        value = TimeSpan.FromMilliseconds(n * ms);
        return true;
    }

    private sealed class Builder
    {
        private readonly string _source;
        private readonly string? _baseDirectory;
        private readonly List<RuleDiagnostic> _errors = [];
        private readonly HashSet<string> _names = new(StringComparer.Ordinal);

        public Builder(string source, string? baseDirectory)
        {
            _source = source;
            _baseDirectory = baseDirectory;
        }

        public RulePackLoadResult Build(YamlMappingNode root)
        {
            CheckKeys(root, null, "pack", "version", "schema", "features", "lists", "rules", "decision");
            var version = RequiredScalar(root, "version", null);
            var schema = ReadSchema(Get(root, "schema"));
            var features = schema is null ? [] : ReadFeatures(Get(root, "features"), schema);
            var lists = ReadLists(Get(root, "lists"));
            var (reviewAt, denyAt) = ReadThresholds(Get(root, "decision"), root);
            var rules = schema is null ? [] : ReadRules(Get(root, "rules"), root, schema, features, lists);

            if (_errors.Count > 0 || schema is null || version is null)
            {
                _errors.Sort(static (a, b) => a.Line != b.Line ? a.Line.CompareTo(b.Line) : a.Column.CompareTo(b.Column));
                return new RulePackLoadResult(null, _errors);
            }

            return new RulePackLoadResult(new RulePack(version, schema, features, lists, rules, reviewAt, denyAt, _source), []);
        }

        private EventSchema? ReadSchema(YamlNode? node)
        {
            if (node is not YamlMappingNode map || map.Children.Count == 0)
            {
                Error(null, node, "'schema' must map field names to { type: string|number|bool|timestamp, entity: true|false, required: true|false }");
                return null;
            }

            var fields = new List<(string, FieldType, bool, bool?)>();
            foreach (var (keyNode, valueNode) in map.Children)
            {
                var name = KeyText(keyNode);
                if (!IsIdentifier(name) || name is "id" or "timestamp")
                {
                    Error(null, keyNode, name is "id" or "timestamp"
                        ? $"'{name}' is reserved: every event may carry an 'id' and a 'timestamp'"
                        : $"field name '{name}' must be an identifier (letters, digits, '_', not starting with a digit)");
                    continue;
                }

                if (!_names.Add(name))
                {
                    Error(null, keyNode, $"duplicate name '{name}'");
                    continue;
                }

                if (valueNode is not YamlMappingNode props)
                {
                    Error(null, valueNode, $"field '{name}' must be a mapping such as {{ type: string }}");
                    continue;
                }

                CheckKeys(props, null, $"field '{name}'", "type", "entity", "required");
                var typeText = RequiredScalar(props, "type", null, $"field '{name}'");
                FieldType type;
                switch (typeText)
                {
                    case "string": type = FieldType.String; break;
                    case "number": type = FieldType.Number; break;
                    case "bool": type = FieldType.Bool; break;
                    case "timestamp": type = FieldType.Timestamp; break;
                    case null: continue;
                    default:
                        Error(null, Get(props, "type"), $"field '{name}': type must be string, number, bool or timestamp, not '{typeText}'");
                        continue;
                }

                var entity = OptionalBool(props, "entity") ?? false;
                if (entity && type is FieldType.Bool)
                {
                    Error(null, Get(props, "entity"), $"field '{name}': a bool cannot be an entity");
                }

                fields.Add((name, type, entity, OptionalBool(props, "required")));
            }

            return fields.Count == 0 ? null : new EventSchema(fields);
        }

        private FeatureDefinition[] ReadFeatures(YamlNode? node, EventSchema schema)
        {
            if (node is null)
            {
                return [];
            }

            if (node is not YamlMappingNode map)
            {
                Error(null, node, "'features' must map feature names to definitions such as { count: event, by: user, window: 1h }");
                return [];
            }

            if (map.Children.Count > MaxFeatures)
            {
                Error(null, node, $"at most {MaxFeatures} features");
            }

            var result = new List<FeatureDefinition>();
            foreach (var (keyNode, valueNode) in map.Children)
            {
                var name = KeyText(keyNode);
                var what = $"feature '{name}'";
                if (!IsIdentifier(name))
                {
                    Error(null, keyNode, $"feature name '{name}' must be an identifier");
                    continue;
                }

                if (!_names.Add(name))
                {
                    Error(null, keyNode, $"duplicate name '{name}'");
                    continue;
                }

                if (valueNode is not YamlMappingNode props)
                {
                    Error(null, valueNode, $"{what} must be a mapping such as {{ count: event, by: user, window: 1h }}");
                    continue;
                }

                CheckKeys(props, null, what, "count", "sum", "min", "max", "avg", "distinct", "by", "window");
                FeatureKind? kind = null;
                string? ofName = null;
                YamlNode? ofNode = null;
                foreach (var (k, v) in props.Children)
                {
                    FeatureKind? candidate = KeyText(k) switch
                    {
                        "count" => FeatureKind.Count,
                        "sum" => FeatureKind.Sum,
                        "min" => FeatureKind.Min,
                        "max" => FeatureKind.Max,
                        "avg" => FeatureKind.Avg,
                        "distinct" => FeatureKind.Distinct,
                        _ => null,
                    };
                    if (candidate is null)
                    {
                        continue;
                    }

                    if (kind is not null)
                    {
                        Error(null, k, $"{what} has more than one aggregate (count, sum, min, max, avg, distinct)");
                        continue;
                    }

                    kind = candidate;
                    ofNode = v;
                    ofName = (v as YamlScalarNode)?.Value;
                }

                if (kind is null)
                {
                    Error(null, valueNode, $"{what} needs one aggregate: count: event, or sum|min|max|avg|distinct: <field>");
                    continue;
                }

                SchemaField? of = null;
                if (kind == FeatureKind.Count)
                {
                    if (ofName != "event")
                    {
                        Error(null, ofNode, $"{what}: write 'count: event'");
                        continue;
                    }
                }
                else if (ofName is null || !schema.TryGetField(ofName, out of))
                {
                    Error(null, ofNode, $"{what}: '{ofName}' is not a schema field");
                    continue;
                }
                else if (kind != FeatureKind.Distinct && of.Type is not (FieldType.Number or FieldType.Timestamp))
                {
                    Error(null, ofNode, $"{what}: {kind.ToString()!.ToLowerInvariant()} needs a number field, '{ofName}' is {of.Type.ToString().ToLowerInvariant()}");
                    continue;
                }

                var byName = RequiredScalar(props, "by", null, what);
                if (byName is null)
                {
                    continue;
                }

                if (!schema.TryGetField(byName, out var by) || !by.IsEntity)
                {
                    Error(null, Get(props, "by"), $"{what}: 'by' must name an entity field (entity: true), '{byName}' is not one");
                    continue;
                }

                var windowText = RequiredScalar(props, "window", null, what);
                if (windowText is null)
                {
                    continue;
                }

                if (!TryParseDuration(windowText, out var window) || window <= TimeSpan.Zero || window > s_maxWindow)
                {
                    Error(null, Get(props, "window"), $"{what}: window must be a duration such as 30s, 5m, 1h or 7d, above 0 and at most 31d, not '{windowText}'");
                    continue;
                }

                result.Add(new FeatureDefinition(name, result.Count, kind.Value, by, of, window));
            }

            return [.. result];
        }

        private Dictionary<string, NamedList> ReadLists(YamlNode? node)
        {
            var lists = new Dictionary<string, NamedList>(StringComparer.Ordinal);
            if (node is null)
            {
                return lists;
            }

            if (node is not YamlMappingNode map)
            {
                Error(null, node, "'lists' must map list names to { type: string|ip, items: [...], file: path }");
                return lists;
            }

            foreach (var (keyNode, valueNode) in map.Children)
            {
                var name = KeyText(keyNode);
                var what = $"list '{name}'";
                if (!IsIdentifier(name))
                {
                    Error(null, keyNode, $"list name '{name}' must be an identifier");
                    continue;
                }

                if (!_names.Add(name))
                {
                    Error(null, keyNode, $"duplicate name '{name}'");
                    continue;
                }

                if (valueNode is not YamlMappingNode props)
                {
                    Error(null, valueNode, $"{what} must be a mapping such as {{ type: string, items: [a, b] }}");
                    continue;
                }

                CheckKeys(props, null, what, "type", "items", "file");
                var typeText = OptionalScalar(props, "type") ?? "string";
                ListKind kind;
                if (typeText == "string")
                {
                    kind = ListKind.String;
                }
                else if (typeText == "ip")
                {
                    kind = ListKind.Ip;
                }
                else
                {
                    Error(null, Get(props, "type"), $"{what}: type must be string or ip, not '{typeText}'");
                    continue;
                }

                var entries = new List<string>();
                if (Get(props, "items") is { } itemsNode)
                {
                    if (itemsNode is not YamlSequenceNode seq)
                    {
                        Error(null, itemsNode, $"{what}: items must be a sequence");
                        continue;
                    }

                    foreach (var item in seq.Children)
                    {
                        if (item is YamlScalarNode { Value: { } v })
                        {
                            entries.Add(v);
                        }
                        else
                        {
                            Error(null, item, $"{what}: every item must be a string");
                        }
                    }
                }

                if (OptionalScalar(props, "file") is { } file)
                {
                    if (!TryReadListFile(file, Get(props, "file")!, what, entries))
                    {
                        continue;
                    }
                }

                if (!NamedList.TryValidate(kind, entries, out var listError))
                {
                    Error(null, valueNode, $"{what}: {listError}");
                    continue;
                }

                lists.Add(name, new NamedList(name, kind, entries));
            }

            return lists;
        }

        private bool TryReadListFile(string file, YamlNode at, string what, List<string> entries)
        {
            if (_baseDirectory is null)
            {
                Error(null, at, $"{what}: list files can only be used by packs loaded from a file");
                return false;
            }

            var path = Path.GetFullPath(Path.Combine(_baseDirectory, file));
            try
            {
                foreach (var raw in File.ReadLines(path))
                {
                    var line = raw.Trim();
                    if (line.Length > 0 && line[0] != '#')
                    {
                        entries.Add(line);
                    }
                }

                return true;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Error(null, at, $"{what}: cannot read list file '{file}': {e.Message}");
                return false;
            }
        }

        private (int ReviewAt, int DenyAt) ReadThresholds(YamlNode? node, YamlMappingNode root)
        {
            if (node is not YamlMappingNode map)
            {
                Error(null, node ?? root, "'decision' must be a mapping { review_at: N, deny_at: N }");
                return (0, 0);
            }

            CheckKeys(map, null, "decision", "review_at", "deny_at");
            var review = RequiredInt(map, "review_at", "decision");
            var deny = RequiredInt(map, "deny_at", "decision");
            if (review is { } r && deny is { } d && r > d)
            {
                Error(null, map, $"decision: review_at ({r}) must not be above deny_at ({d})");
            }

            return (review ?? 0, deny ?? 0);
        }

        private CompiledRule[] ReadRules(YamlNode? node, YamlMappingNode root, EventSchema schema, FeatureDefinition[] features, Dictionary<string, NamedList> lists)
        {
            if (node is not YamlSequenceNode seq)
            {
                Error(null, node ?? root, "'rules' must be a sequence of { id, when, action and/or score, reason }");
                return [];
            }

            if (seq.Children.Count > MaxRules)
            {
                Error(null, node, $"at most {MaxRules} rules");
                return [];
            }

            var featureMap = new Dictionary<string, FeatureDefinition>(StringComparer.Ordinal);
            foreach (var f in features)
            {
                featureMap[f.Name] = f;
            }

            var env = new RuleEnvironment(schema, featureMap, lists);
            var ids = new HashSet<string>(StringComparer.Ordinal);
            var rules = new List<CompiledRule>(seq.Children.Count);
            foreach (var item in seq.Children)
            {
                if (item is not YamlMappingNode map)
                {
                    Error(null, item, "a rule must be a mapping { id, when, action and/or score, reason }");
                    continue;
                }

                var id = RequiredScalar(map, "id", null, "rule");
                CheckKeys(map, id, "rule", "id", "when", "action", "score", "reason", "enabled");
                if (id is null)
                {
                    continue;
                }

                if (!ids.Add(id))
                {
                    Error(id, Get(map, "id"), $"duplicate rule id '{id}'");
                    continue;
                }

                if (OptionalBool(map, "enabled") == false)
                {
                    continue;
                }

                var action = RuleAction.None;
                if (OptionalScalar(map, "action") is { } actionText)
                {
                    action = actionText switch
                    {
                        "allow" => RuleAction.Allow,
                        "review" => RuleAction.Review,
                        "deny" => RuleAction.Deny,
                        _ => RuleAction.None,
                    };
                    if (action == RuleAction.None)
                    {
                        Error(id, Get(map, "action"), $"action must be allow, review or deny, not '{actionText}'");
                    }
                }

                var score = OptionalInt(map, "score", id) ?? 0;
                if (action == RuleAction.None && Get(map, "score") is null && Get(map, "action") is null)
                {
                    Error(id, map, "a rule needs an action (allow|review|deny), a score, or both");
                }

                if (Get(map, "when") is not YamlScalarNode { Value: { } when } whenNode || string.IsNullOrWhiteSpace(when))
                {
                    Error(id, Get(map, "when") ?? map, "a rule needs a condition: when: <expression>");
                    continue;
                }

                var (line, column) = ExpressionOrigin(whenNode);
                var before = _errors.Count;
                var predicate = RuleCompiler.Compile(id, when, env, line, column, _errors);
                if (predicate is null || _errors.Count != before)
                {
                    continue;
                }

                rules.Add(new CompiledRule(rules.Count, id, when, action, score, OptionalScalar(map, "reason"), predicate, (int)map.Start.Line));
            }

            return [.. rules];
        }

        /// <summary>Where the expression's first character is in the file (quoted scalars start one column later).</summary>
        private static (int Line, int Column) ExpressionOrigin(YamlScalarNode node)
        {
            var line = (int)node.Start.Line;
            var column = (int)node.Start.Column;
            switch (node.Style)
            {
                case ScalarStyle.SingleQuoted:
                case ScalarStyle.DoubleQuoted:
                    column++;
                    break;
                case ScalarStyle.Literal:
                case ScalarStyle.Folded:
                    // Block scalar: the text starts on the next line, indented.
                    line++;
                    column = 1;
                    break;
            }

            return (line, column);
        }

        private void CheckKeys(YamlMappingNode map, string? rule, string what, params string[] allowed)
        {
            foreach (var key in map.Children.Keys)
            {
                var name = (key as YamlScalarNode)?.Value;
                if (name is null || Array.IndexOf(allowed, name) < 0)
                {
                    Error(rule, key, $"{what}: unknown key '{name}' (expected one of: {string.Join(", ", allowed)})");
                }
            }
        }

        private static string KeyText(YamlNode key) => (key as YamlScalarNode)?.Value ?? string.Empty;

        private static YamlNode? Get(YamlMappingNode map, string key)
            => map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

        private string? RequiredScalar(YamlMappingNode map, string key, string? rule, string? what = null)
        {
            var node = Get(map, key);
            if (node is YamlScalarNode { Value: { Length: > 0 } v })
            {
                return v;
            }

            Error(rule, node ?? map, $"{(what is null ? string.Empty : what + ": ")}'{key}' is required and must be a non-empty scalar");
            return null;
        }

        private static string? OptionalScalar(YamlMappingNode map, string key)
            => Get(map, key) is YamlScalarNode { Value: { Length: > 0 } v } ? v : null;

        private bool? OptionalBool(YamlMappingNode map, string key)
        {
            var node = Get(map, key);
            if (node is null)
            {
                return null;
            }

            if (node is YamlScalarNode { Value: "true" or "false" } s)
            {
                return s.Value == "true";
            }

            Error(null, node, $"'{key}' must be true or false");
            return null;
        }

        private int? RequiredInt(YamlMappingNode map, string key, string what)
        {
            if (Get(map, key) is null)
            {
                Error(null, map, $"{what}: '{key}' is required");
                return null;
            }

            return OptionalInt(map, key, null);
        }

        private int? OptionalInt(YamlMappingNode map, string key, string? rule)
        {
            var node = Get(map, key);
            if (node is null)
            {
                return null;
            }

            if (node is YamlScalarNode { Value: { } v } && int.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) && Math.Abs((long)n) <= 1_000_000)
            {
                return n;
            }

            Error(rule, node, $"'{key}' must be a whole number between -1000000 and 1000000");
            return null;
        }

        private void Error(string? rule, YamlNode? at, string message)
            => _errors.Add(new RuleDiagnostic(rule, at is null ? 1 : (int)at.Start.Line, at is null ? 1 : (int)at.Start.Column, message));

        private static bool IsIdentifier(string name)
        {
            if (name.Length == 0 || name.Length > 64 || !(char.IsAsciiLetter(name[0]) || name[0] == '_'))
            {
                return false;
            }

            foreach (var c in name)
            {
                if (!(char.IsAsciiLetterOrDigit(c) || c == '_'))
                {
                    return false;
                }
            }

            return true;
        }
    }
}
