using System.CommandLine;
using Jiangwanli.Cli.Bench;

namespace Jiangwanli.Cli.Commands;

/// <summary><c>jwl bench</c>: the HTTP load tool (see <see cref="BenchCommandLine"/>).</summary>
internal static class BenchCommand
{
    /// <summary>The <c>bench</c> command, with its <c>bare-server</c> subcommand.</summary>
    internal static Command Create() => new BenchCommandLine().Build();
}
