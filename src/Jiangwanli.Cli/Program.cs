using System.CommandLine;
using Jiangwanli.Cli.Commands;

namespace Jiangwanli.Cli;

/// <summary>
/// <c>jwl</c>: one command group per file under Commands/, each added here with one line.
/// </summary>
internal static class Program
{
    public static Task<int> Main(string[] args)
        => BuildRootCommand().Parse(args).InvokeAsync(new InvocationConfiguration
        {
            // The service's host handles SIGTERM/Ctrl-C itself (drain, then close the log); System.CommandLine must
            // not race it by cancelling and force-exiting after a timeout.
            ProcessTerminationTimeout = null,
        });

    /// <summary>The command tree (tests parse and invoke it in-process).</summary>
    internal static RootCommand BuildRootCommand()
    {
        var root = new RootCommand("Jiangwanli (江湾里): real-time risk decisions over HTTP, with rules, velocity features and an audit log.");
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(RulesCommand.Create());
        root.Subcommands.Add(DecideCommand.Create());
        root.Subcommands.Add(AuditCommand.Create());
        root.Subcommands.Add(ProfileCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        return root;
    }
}
