using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Changwen.Experiments;

/// <summary>
/// One setting of a planned run: a <c>changwen train</c> flag name without its dashes (<c>max-len</c>) and its value as
/// written in the plan (<c>500</c>); <paramref name="Value"/> is null for a bare switch (<c>bucket:</c>).
/// <paramref name="Line"/> is where the plan gives it (YAML plans only), for error messages.
/// </summary>
public sealed record PlanSetting(string Key, string? Value, long? Line = null)
{
    public override string ToString() => Value is null ? Key : $"{Key}={Value}";
}

/// <summary>
/// One run of a plan after sweeps are expanded. <paramref name="Overrides"/> are the run's own settings (what the
/// report shows); <paramref name="Settings"/> are the plan's defaults with the run's own settings on top (what it trains with).
/// </summary>
public sealed record PlannedRun(string Name, IReadOnlyList<PlanSetting> Overrides, IReadOnlyList<PlanSetting> Settings);

/// <summary>
/// An experiment plan: named runs, each a set of <c>changwen train</c> settings, read from a YAML or JSON file or taken
/// from the built-in plans (<see cref="BuiltInNames"/>). The file is an object
/// <code>
/// description: what the plan measures      # optional
/// epochs: 10                               # optional, same as defaults: {epochs: 10}
/// defaults: {tokenizer: word}              # optional, applied to every run
/// runs:
///   - {name: lstm-500-true-last, model: lstm, max-len: 500, pool: true-last}
///   - {name: lstm-500, max-len: 500, lr: [0.0003, 0.001]}   # a sweep: lstm-500-lr-0.0003, lstm-500-lr-0.001
/// </code>
/// or just the list of runs. Which keys exist is decided where the settings become options (the CLI's train flags);
/// the plan itself only checks the shape.
/// </summary>
public sealed class ExperimentPlan
{
    private const string ResourcePrefix = "Changwen.Experiments.Plans.";

    private ExperimentPlan(string source, string text, string? description, IReadOnlyList<PlanSetting> defaults, IReadOnlyList<PlannedRun> runs)
    {
        Source = source;
        Text = text;
        Description = description;
        Defaults = defaults;
        Runs = runs;
    }

    /// <summary>The plan file's path, or the built-in plan's name; error messages name it.</summary>
    public string Source { get; }
    /// <summary>The plan as written (for <c>--show</c>, and to copy and edit a built-in plan).</summary>
    public string Text { get; }
    public string? Description { get; }
    /// <summary>Settings every run has unless it gives its own (including the top-level <c>epochs</c>).</summary>
    public IReadOnlyList<PlanSetting> Defaults { get; }
    /// <summary>The runs in plan order, sweeps expanded.</summary>
    public IReadOnlyList<PlannedRun> Runs { get; }

    /// <summary>The plans that ship with Changwen: <c>seed</c> (the original post) and <c>fixes</c> (each fix alone).</summary>
    public static IReadOnlyList<string> BuiltInNames { get; } = typeof(ExperimentPlan).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal) && n.EndsWith(".yaml", StringComparison.Ordinal))
        .Select(n => n[ResourcePrefix.Length..^".yaml".Length]).Order(StringComparer.Ordinal).ToList();

    /// <summary>A plan file when <paramref name="nameOrPath"/> is one, else the built-in plan of that name.</summary>
    public static ExperimentPlan Open(string nameOrPath)
    {
        if (File.Exists(nameOrPath)) return Load(nameOrPath);
        if (BuiltInNames.Contains(nameOrPath, StringComparer.Ordinal)) return BuiltIn(nameOrPath);
        throw UserInputException.At(nameOrPath, null,
            $"no such plan file, and not a built-in plan ({string.Join(", ", BuiltInNames)}). Give a YAML or JSON plan file or a built-in plan's name");
    }

    public static ExperimentPlan BuiltIn(string name)
    {
        using var stream = typeof(ExperimentPlan).Assembly.GetManifestResourceStream(ResourcePrefix + name + ".yaml")
            ?? throw new UserInputException($"{name}: not a built-in plan ({string.Join(", ", BuiltInNames)})");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd(), name, json: false);
    }

    /// <summary>Reads a plan file: JSON when it ends in .json, YAML otherwise.</summary>
    public static ExperimentPlan Load(string path)
    {
        if (!File.Exists(path)) throw UserInputException.At(path, null, "plan file does not exist. Give an existing YAML or JSON plan");
        var json = string.Equals(Path.GetExtension(path), ".json", StringComparison.OrdinalIgnoreCase);
        return Parse(File.ReadAllText(path), path, json);
    }

    /// <summary>Parses plan text; <paramref name="source"/> names it in error messages.</summary>
    public static ExperimentPlan Parse(string text, string source, bool json)
    {
        var root = json ? FromJson(text, source) : FromYaml(text, source);
        string? description = null;
        var defaults = new List<PlanSetting>();
        Node? runsNode;
        if (root is Mapping top)
        {
            runsNode = null;
            PlanSetting? epochs = null;
            foreach (var (key, value, line) in top.Entries)
                switch (key)
                {
                    case "description": description = ScalarText(value, source, key); break;
                    case "epochs": epochs = new PlanSetting("epochs", ScalarText(value, source, key), line); break;
                    case "defaults": defaults.AddRange(Settings(value, source, "defaults", allowSweep: false).Single()); break;
                    case "runs": runsNode = value; break;
                    default:
                        throw UserInputException.At(source, line, $"unknown plan key '{key}'. A plan has description, epochs, defaults and runs");
                }
            if (epochs is not null)
            {
                if (defaults.Any(s => s.Key == "epochs"))
                    throw UserInputException.At(source, epochs.Line, "epochs is given both at the top and in defaults. Give it once");
                defaults.Add(epochs);
            }
            if (runsNode is null) throw UserInputException.At(source, top.Line, "has no runs. Add a 'runs:' list of {name: ..., flag: value} entries");
        }
        else runsNode = root;

        if (runsNode is not Sequence { Items.Count: > 0 } list)
            throw UserInputException.At(source, runsNode.Line, "runs must be a non-empty list of {name: ..., flag: value} entries");

        var runs = new List<PlannedRun>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase); // run folders: case-insensitive file systems too
        foreach (var item in list.Items)
        {
            if (item is not Mapping entry)
                throw UserInputException.At(source, item.Line, "each run must be an object with a name and train flags, e.g. {name: lstm-50, max-len: 50}");
            var nameEntry = entry.Entries.FirstOrDefault(e => e.Key == "name");
            if (nameEntry.Key is null) throw UserInputException.At(source, entry.Line, "a run has no name. Give every run a 'name'");
            var name = ScalarText(nameEntry.Value, source, "name") ?? "";
            CheckName(name, source, nameEntry.Line);
            var own = new Mapping(entry.Entries.Where(e => e.Key != "name").ToList(), entry.Line);
            foreach (var (expandedName, overrides) in Expand(name, own, source))
            {
                if (!names.Add(expandedName))
                    throw UserInputException.At(source, nameEntry.Line, $"two runs are named '{expandedName}'. Give every run its own name");
                var settings = defaults.Where(d => overrides.All(o => o.Key != d.Key)).Concat(overrides).ToList();
                runs.Add(new PlannedRun(expandedName, overrides, settings));
            }
        }
        return new ExperimentPlan(source, text, description, defaults, runs);
    }

    /// <summary>
    /// The runs to execute: every run when <paramref name="only"/> is empty, else those whose name matches one of the
    /// names (<c>*</c> matches any text, so <c>lstm-500-lr-*</c> selects a sweep). A name that matches nothing is an error.
    /// </summary>
    public IReadOnlyList<PlannedRun> Select(IReadOnlyCollection<string>? only)
    {
        if (only is null || only.Count == 0) return Runs;
        var patterns = only.Select(o => (Text: o, Regex: new System.Text.RegularExpressions.Regex(
            "^" + System.Text.RegularExpressions.Regex.Escape(o).Replace(@"\*", ".*") + "$"))).ToList();
        foreach (var p in patterns.Where(p => !Runs.Any(r => p.Regex.IsMatch(r.Name))))
            throw UserInputException.At(Source, null, $"has no run named '{p.Text}'. Its runs: {string.Join(", ", Runs.Select(r => r.Name))}");
        return Runs.Where(r => patterns.Any(p => p.Regex.IsMatch(r.Name))).ToList();
    }

    /// <summary>One (name, settings) per value of the run's swept key, or the run itself when nothing is swept.</summary>
    private static IEnumerable<(string Name, List<PlanSetting> Settings)> Expand(string name, Mapping own, string source)
    {
        var variants = Settings(own, source, $"run '{name}'", allowSweep: true);
        if (!own.Entries.Any(e => e.Value is Sequence)) // a list of one value is still a sweep, named by its value
        {
            yield return (name, variants[0]);
            yield break;
        }
        var sweptKey = own.Entries.First(e => e.Value is Sequence).Key;
        foreach (var settings in variants)
        {
            var value = settings.First(s => s.Key == sweptKey).Value ?? "";
            yield return ($"{name}-{sweptKey}-{SafeForName(value)}", settings);
        }
    }

    /// <summary>The settings of a mapping; a list value (at most one, where allowed) gives one settings list per item.</summary>
    private static List<List<PlanSetting>> Settings(Node node, string source, string where, bool allowSweep)
    {
        if (node is not Mapping map)
            throw UserInputException.At(source, node.Line, $"{where} must be an object of flag: value entries, e.g. {{max-len: 500, pool: true-last}}");
        var fixedSettings = new List<PlanSetting>();
        (string Key, Sequence Values, long? Line)? sweep = null;
        foreach (var (key, value, line) in map.Entries)
        {
            if (value is Sequence values)
            {
                if (!allowSweep)
                    throw UserInputException.At(source, line, $"{where}: '{key}' is a list; only a run can sweep a key. Give one value");
                if (sweep is not null)
                    throw UserInputException.At(source, line, $"{where} sweeps both '{sweep.Value.Key}' and '{key}'. Sweep one key per run (write separate runs for the others)");
                if (values.Items.Count == 0) throw UserInputException.At(source, line, $"{where}: the list of '{key}' is empty. Give at least one value");
                sweep = (key, values, line);
            }
            else fixedSettings.Add(new PlanSetting(key, ScalarText(value, source, key), line));
        }
        if (sweep is not { } s) return [fixedSettings];
        return s.Values.Items.Select(item =>
        {
            var settings = new List<PlanSetting>(fixedSettings);
            // Keep the swept key where the plan wrote it, so the report's options read in plan order.
            var index = map.Entries.TakeWhile(e => e.Key != s.Key).Count(e => e.Value is not Sequence);
            settings.Insert(index, new PlanSetting(s.Key, ScalarText(item, source, s.Key), item.Line ?? s.Line));
            return settings;
        }).ToList();
    }

    private static string? ScalarText(Node node, string source, string key) => node is Scalar scalar
        ? scalar.Value
        : throw UserInputException.At(source, node.Line, $"'{key}' must be a single value here, not a list or object");

    /// <summary>A run's name becomes its folder's name: letters, digits (any script), '-', '_' and '.', not starting with '.'.</summary>
    private static void CheckName(string name, string source, long? line)
    {
        if (name.Length == 0 || name[0] == '.' || !name.All(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.'))
            throw UserInputException.At(source, line,
                $"run name '{name}' cannot be a folder name. Use letters, digits, '-', '_' and '.' (not first)");
    }

    private static string SafeForName(string value) =>
        new(value.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray());

    // ---- a small tree both formats are read into, so one set of rules checks them

    private abstract record Node(long? Line);
    private sealed record Scalar(string? Value, long? Line) : Node(Line);
    private sealed record Sequence(IReadOnlyList<Node> Items, long? Line) : Node(Line);
    private sealed record Mapping(IReadOnlyList<(string Key, Node Value, long? Line)> Entries, long? Line) : Node(Line);

    private static Node FromYaml(string text, string source)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw UserInputException.At(source, e.Start.Line, $"not valid YAML ({e.Message}). Fix the plan file");
        }
        if (stream.Documents.Count == 0) throw UserInputException.At(source, null, "the plan is empty. Give a list of runs");
        return Convert(stream.Documents[0].RootNode, source);

        static Node Convert(YamlNode node, string source)
        {
            long line = node.Start.Line;
            switch (node)
            {
                case YamlScalarNode scalar:
                    // An empty or null plain scalar is a bare switch: "bucket:".
                    var isNull = scalar.Style == YamlDotNet.Core.ScalarStyle.Plain && scalar.Value is null or "" or "~" or "null";
                    return new Scalar(isNull ? null : scalar.Value, line);
                case YamlSequenceNode sequence:
                    return new Sequence(sequence.Children.Select(c => Convert(c, source)).ToList(), line);
                case YamlMappingNode mapping:
                    var entries = new List<(string, Node, long?)>();
                    foreach (var (key, value) in mapping.Children)
                    {
                        if (key is not YamlScalarNode { Value: { } name })
                            throw UserInputException.At(source, key.Start.Line, "keys must be plain names. Fix the plan file");
                        entries.Add((name, Convert(value, source), key.Start.Line));
                    }
                    return new Mapping(entries, line);
                default:
                    throw UserInputException.At(source, line, "aliases and tags are not supported in plans. Write the values out");
            }
        }
    }

    private static Node FromJson(string text, string source)
    {
        try
        {
            using var doc = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            return Convert(doc.RootElement, source);
        }
        catch (JsonException e)
        {
            throw UserInputException.At(source, e.LineNumber + 1, $"not valid JSON ({e.Message.Split('\n')[0]}). Fix the plan file");
        }

        static Node Convert(JsonElement element, string source) => element.ValueKind switch
        {
            JsonValueKind.Object => ToMapping(element, source),
            JsonValueKind.Array => new Sequence(element.EnumerateArray().Select(e => Convert(e, source)).ToList(), null),
            JsonValueKind.String => new Scalar(element.GetString(), null),
            JsonValueKind.Number => new Scalar(element.GetRawText(), null),
            JsonValueKind.True => new Scalar("true", null),
            JsonValueKind.False => new Scalar("false", null),
            _ => new Scalar(null, null),
        };

        static Mapping ToMapping(JsonElement element, string source)
        {
            var entries = new List<(string, Node, long?)>();
            foreach (var property in element.EnumerateObject())
            {
                if (entries.Any(e => e.Item1 == property.Name))
                    throw UserInputException.At(source, null, $"the key '{property.Name}' appears twice in one object. Give it once");
                entries.Add((property.Name, Convert(property.Value, source), null));
            }
            return new Mapping(entries, null);
        }
    }
}
