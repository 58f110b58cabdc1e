namespace Jiangwanli.Runtime.Tests.Support;

/// <summary>
/// Tests that touch process-wide runtime state — EventPipe sessions on this process, the GC hard
/// limit, induced GCs whose trace lines are checked — run alone, one after another.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideCollection
{
    public const string Name = "Process-wide runtime state";
}
