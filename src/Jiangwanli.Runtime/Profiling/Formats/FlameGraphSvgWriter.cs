using System.Globalization;
using System.Text;

namespace Jiangwanli.Runtime.Profiling.Formats;

/// <summary>
/// Writes a <see cref="CollectedProfile"/> as a classic flame graph: a self-contained SVG (no
/// scripts, no external resources) with the root at the bottom, callees stacked above callers,
/// siblings sorted by name, each box as wide as its share of the default value column and with a
/// tooltip (<c>&lt;title&gt;</c>) giving the exact figures. Boxes narrower than 0.1 px are omitted.
/// </summary>
internal static class FlameGraphSvgWriter
{
    private const double Width = 1200;
    private const double Margin = 10;
    private const double FrameHeight = 16;
    private const double TitleHeight = 34;
    private const double MinBoxWidth = 0.1;
    private const double CharWidth = 7.0;

    public static async Task WriteAsync(CollectedProfile profile, Stream destination, CancellationToken cancellationToken)
    {
        var svg = Render(profile);
        await destination.WriteAsync(Encoding.UTF8.GetBytes(svg), cancellationToken).ConfigureAwait(false);
    }

    internal static string Render(CollectedProfile profile)
    {
        var column = profile.DefaultSampleType;
        var nodes = profile.NodeCount;

        // Node n's subtree total: its own samples plus its children's. Parents always have a lower
        // id than their children (a child is created after its parent), so one reverse pass sums.
        var total = new long[nodes];
        for (var s = 0; s < profile.StackCount; s++)
        {
            total[profile.SampleLeaf(s)] += profile.SampleValue(s, column);
        }

        var children = new List<int>[nodes];
        var roots = new List<int>();
        for (var n = nodes - 1; n >= 0; n--)
        {
            var parent = profile.NodeParent(n);
            if (parent >= 0)
            {
                total[parent] += total[n];
                (children[parent] ??= []).Add(n);
            }
            else
            {
                roots.Add(n);
            }
        }

        long grand = 0;
        foreach (var root in roots)
        {
            grand += total[root];
        }

        var byName = Comparer<int>.Create((a, b) =>
            string.CompareOrdinal(profile.FunctionName(profile.NodeFunction(a)), profile.FunctionName(profile.NodeFunction(b))));

        // Lay out breadth-first: (node, depth, x). Depth 0 is the synthetic "all" box.
        var scale = grand > 0 ? (Width - (2 * Margin)) / grand : 0;
        var boxes = new List<(int Node, int Depth, double X)>();
        var queue = new Queue<(List<int> Siblings, int Depth, double X)>();
        roots.Sort(byName);
        queue.Enqueue((roots, 1, Margin));
        var maxDepth = 0;
        while (queue.Count > 0)
        {
            var (siblings, depth, x) = queue.Dequeue();
            foreach (var node in siblings)
            {
                var width = total[node] * scale;
                if (width >= MinBoxWidth)
                {
                    boxes.Add((node, depth, x));
                    maxDepth = Math.Max(maxDepth, depth);
                    if (children[node] is { } kids)
                    {
                        kids.Sort(byName);
                        queue.Enqueue((kids, depth + 1, x));
                    }
                }

                x += width;
            }
        }

        var height = TitleHeight + ((maxDepth + 1) * FrameHeight) + (2 * Margin);
        var svg = new StringBuilder(256 + (boxes.Count * 200));
        var c = CultureInfo.InvariantCulture;
        svg.Append(c, $"""
            <?xml version="1.0" standalone="no"?>
            <svg version="1.1" width="{Width:0}" height="{height:0}" viewBox="0 0 {Width:0} {height:0}" xmlns="http://www.w3.org/2000/svg">
            <style>text {"{"} font-family: Verdana, sans-serif; font-size: 12px; fill: #000; {"}"} .title {"{"} font-size: 17px; {"}"} rect:hover {"{"} stroke: #000; stroke-width: 0.5; {"}"}</style>
            <rect x="0" y="0" width="100%" height="100%" fill="#f8f8f8"/>

            """);
        var unitNote = Describe(profile, grand);
        svg.Append(c, $"<text class=\"title\" x=\"{Width / 2:0}\" y=\"24\" text-anchor=\"middle\">{Escape(SpeedscopeWriter.Title(profile))} — {Escape(unitNote)}</text>\n");

        AppendBox(svg, profile, "all", grand, grand, 0, Margin, Width - (2 * Margin), height, isNative: false, isAlloc: false);
        foreach (var (node, depth, x) in boxes)
        {
            var name = profile.FunctionName(profile.NodeFunction(node));
            AppendBox(
                svg,
                profile,
                name,
                total[node],
                grand,
                depth,
                x,
                total[node] * scale,
                height,
                isNative: string.Equals(name, StackProfileBuilder.NativeFrameName, StringComparison.Ordinal),
                isAlloc: name.StartsWith("[alloc] ", StringComparison.Ordinal));
        }

        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static void AppendBox(
        StringBuilder svg,
        CollectedProfile profile,
        string name,
        long value,
        long grand,
        int depth,
        double x,
        double width,
        double height,
        bool isNative,
        bool isAlloc)
    {
        var c = CultureInfo.InvariantCulture;
        var y = height - Margin - ((depth + 1) * FrameHeight);
        var percent = grand > 0 ? 100.0 * value / grand : 0;
        var escaped = Escape(name);
        svg.Append(c, $"<g><title>{escaped} ({Escape(FormatValue(profile, value))}, {percent:0.00}%)</title>");
        svg.Append(c, $"<rect x=\"{x:0.##}\" y=\"{y:0.##}\" width=\"{width:0.##}\" height=\"{FrameHeight - 1:0}\" rx=\"2\" fill=\"{Color(name, isNative, isAlloc)}\"/>");
        var fits = (int)((width - 6) / CharWidth);
        if (fits >= 3)
        {
            var label = name.Length <= fits ? name : string.Concat(name.AsSpan(0, fits - 2), "..");
            svg.Append(c, $"<text x=\"{x + 3:0.##}\" y=\"{y + FrameHeight - 4.5:0.##}\">{Escape(label)}</text>");
        }

        svg.Append("</g>\n");
    }

    private static string Describe(CollectedProfile profile, long grand) =>
        $"{profile.SampleTypes[profile.DefaultSampleType].Type}: {FormatValue(profile, grand)}";

    private static string FormatValue(CollectedProfile profile, long value)
    {
        var c = CultureInfo.InvariantCulture;
        return profile.SampleTypes[profile.DefaultSampleType].Unit switch
        {
            "nanoseconds" => string.Create(c, $"{value / 1e6:0.##} ms"),
            "bytes" => value >= 1 << 20 ? string.Create(c, $"{value / 1048576.0:0.##} MiB") : string.Create(c, $"{value / 1024.0:0.##} KiB"),
            var unit => string.Create(c, $"{value} {unit}"),
        };
    }

    // Brendan Gregg's "hot" palette, seeded by a stable hash of the name so that a function keeps
    // its colour across profiles; grey for native code, blue for allocated types.
    private static string Color(string name, bool isNative, bool isAlloc)
    {
        if (isNative)
        {
            return "rgb(190,190,190)";
        }

        var hash = 2166136261u;
        foreach (var ch in name)
        {
            hash = (hash ^ ch) * 16777619u;
        }

        var a = (hash & 0xFF) / 255.0;
        var b = ((hash >> 8) & 0xFF) / 255.0;
        return isAlloc
            ? string.Create(CultureInfo.InvariantCulture, $"rgb({(int)(80 + (60 * a))},{(int)(140 + (60 * b))},230)")
            : string.Create(CultureInfo.InvariantCulture, $"rgb({(int)(205 + (50 * a))},{(int)(230 * b)},{(int)(55 * a)})");
    }

    private static string Escape(string text)
    {
        if (text.AsSpan().IndexOfAny("&<>\"'") < 0)
        {
            return text;
        }

        var sb = new StringBuilder(text.Length + 16);
        foreach (var ch in text)
        {
            switch (ch)
            {
                case '&': sb.Append("&amp;"); break;
                case '<': sb.Append("&lt;"); break;
                case '>': sb.Append("&gt;"); break;
                case '"': sb.Append("&quot;"); break;
                case '\'': sb.Append("&apos;"); break;
                default: sb.Append(ch); break;
            }
        }

        return sb.ToString();
    }
}
