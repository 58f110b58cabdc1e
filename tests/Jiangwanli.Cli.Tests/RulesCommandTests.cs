using System.CommandLine;

namespace Jiangwanli.Cli.Tests;

public sealed class RulesCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("jwl-cli-tests-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static (int Exit, string Output, string Error) Invoke(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = Program.BuildRootCommand().Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public void Check_DefaultPack_ExitsZeroWithASummary()
    {
        var (exit, output, error) = Invoke("rules", "check", Path.Combine(AppContext.BaseDirectory, "rules", "default.yaml"));

        Assert.True(exit == 0, error);
        Assert.Contains("ok — pack 2026.11.26-1", output, StringComparison.Ordinal);
        Assert.Contains("list blocked_ips (ip): 3 entries", output, StringComparison.Ordinal);
        Assert.Contains("rule blocked_ip (line", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_PackWithErrors_ExitsOneWithEveryErrorLocated()
    {
        var path = Path.Combine(_folder, "bad.yaml");
        File.WriteAllText(path, """
            version: bad-1
            schema:
              user:   { type: string, entity: true }
              amount: { type: number }
            rules:
              - id: typo
                when: amount > "ten"
                score: 10
              - id: unknown_name
                when: amout > 10
                score: 10
            decision: { review_at: 50, deny_at: 80 }
            """);

        var (exit, output, error) = Invoke("rules", "check", path);

        Assert.Equal(1, exit);
        Assert.Equal(string.Empty, output);
        Assert.Matches(@"bad\.yaml:7:\d+: rule 'typo': ", error);
        Assert.Matches(@"bad\.yaml:10:\d+: rule 'unknown_name': ", error);
        Assert.Contains("2 error(s)", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_MissingFile_ExitsOne()
    {
        var (exit, _, error) = Invoke("rules", "check", Path.Combine(_folder, "nope.yaml"));

        Assert.Equal(1, exit);
        Assert.Contains("cannot read pack file", error, StringComparison.Ordinal);
    }
}
