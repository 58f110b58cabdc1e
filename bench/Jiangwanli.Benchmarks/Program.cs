namespace Jiangwanli.Benchmarks;

internal static class Program
{
    public static void Main(string[] args)
    {
        // Console measurements that BenchmarkDotNet cannot express (open-loop latency percentiles, raw-disk baselines).
        if (Audit.AuditMeasurements.TryRun(args, out var code))
        {
            Environment.Exit(code);
        }

        if (Engine.RuleCosts.TryRun(args))
        {
            Environment.Exit(0);
        }

        if (Engine.DecisionCpuMeasurement.TryRun(args, out code))
        {
            Environment.Exit(code);
        }

        BenchmarkDotNet.Running.BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
