using System.Runtime;
using System.Text;
using System.Text.Json;
using CsCheck;
using Jiangwanli.Runtime.Memory;
using Jiangwanli.Runtime.Tests.Support;

namespace Jiangwanli.Runtime.Tests.Memory;

public sealed class MemoryGovernorTests
{
    private const long Gb = 1L << 30;

    [Fact]
    public void Evaluate_UtilisationBetweenSoftAndHard_ThrottlesProportionally()
    {
        var control = new FakeGcControl { Available = 10 * Gb, Used = (long)(8.75 * Gb) };
        var observer = new RecordingObserver();
        using var governor = new MemoryGovernor(null, observer, new ManualTimeProvider(), null, control);

        governor.Evaluate();

        Assert.Equal(0.5, governor.AdmissionPressure, 6); // (0.875 - 0.80) / (0.95 - 0.80)
        Assert.Equal(AdmissionLevel.Throttle, governor.AdmissionLevel);
        var action = Assert.Single(observer.Actions);
        Assert.Equal(GovernorActionKind.AdmissionLevelChanged, action.Kind);
        Assert.Equal(("normal", "throttle"), (action.From, action.To));

        control.Used = (long)(9.6 * Gb);
        governor.Evaluate();
        Assert.Equal(1, governor.AdmissionPressure);
        Assert.Equal(AdmissionLevel.Shed, governor.AdmissionLevel);

        control.Used = Gb;
        governor.Evaluate();
        Assert.Equal(0, governor.AdmissionPressure);
        Assert.Equal(AdmissionLevel.Normal, governor.AdmissionLevel);
        Assert.Equal(3, observer.Actions.Count);
    }

    [Fact]
    public void Evaluate_HighRequestRate_SwitchesToSustainedLowLatencyAndBack()
    {
        var time = new ManualTimeProvider();
        var control = new FakeGcControl { Available = 10 * Gb, Used = Gb };
        long requests = 0;
        var observer = new RecordingObserver();
        var options = new MemoryGovernorOptions { RequestCount = () => requests };
        using var governor = new MemoryGovernor(options, observer, time, null, control);

        governor.Evaluate();
        requests += 50_000; // 10 000 requests/s over 5 s
        time.Advance(TimeSpan.FromSeconds(5));
        governor.Evaluate();
        Assert.Equal(GCLatencyMode.SustainedLowLatency, control.LatencyMode);

        requests += 10_000; // 2 000/s: between the thresholds, keep the mode
        time.Advance(TimeSpan.FromSeconds(5));
        governor.Evaluate();
        Assert.Equal(GCLatencyMode.SustainedLowLatency, control.LatencyMode);

        requests += 100; // 20/s: light
        time.Advance(TimeSpan.FromSeconds(5));
        governor.Evaluate();
        Assert.Equal(GCLatencyMode.Interactive, control.LatencyMode);

        var changes = observer.Actions.Where(a => a.Kind == GovernorActionKind.LatencyModeChanged).ToList();
        Assert.Equal(2, changes.Count);
        Assert.All(changes, a => Assert.True(a.Succeeded));
        Assert.Contains("request rate", changes[0].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_HighLoadButMemoryPressure_StaysInteractive()
    {
        var time = new ManualTimeProvider();
        var control = new FakeGcControl { Available = 10 * Gb, Used = 9 * Gb };
        long requests = 0;
        using var governor = new MemoryGovernor(new MemoryGovernorOptions { RequestCount = () => requests }, null, time, null, control);

        governor.Evaluate();
        requests += 100_000;
        time.Advance(TimeSpan.FromSeconds(5));
        governor.Evaluate();

        Assert.Equal(GCLatencyMode.Interactive, control.LatencyMode);
    }

    [Fact]
    public void Evaluate_HighUtilisationWithBounds_RaisesLimitStepwiseUpToMax()
    {
        var time = new ManualTimeProvider();
        var control = new FakeGcControl { Available = 16 * Gb, Used = Gb / 2 };
        var observer = new RecordingObserver();
        var options = new MemoryGovernorOptions
        {
            Limit = MemoryLimit.FromBytes(2 * Gb),
            MinLimit = MemoryLimit.FromBytes(2 * Gb),
            MaxLimit = MemoryLimit.FromBytes((long)(2.3 * Gb)),
        };
        using var governor = new MemoryGovernor(options, observer, time, null, control);
        governor.Start();
        Assert.Equal(2 * Gb, control.HardLimit);

        control.Used = (long)(1.8 * Gb); // 90% of 2 GiB
        governor.Evaluate();
        Assert.Equal((long)(2.2 * Gb), control.HardLimit);

        governor.Evaluate(); // within the cooldown: no second step
        Assert.Equal((long)(2.2 * Gb), control.HardLimit);

        control.Used = (long)(2.0 * Gb);
        time.Advance(options.LimitCooldown);
        governor.Evaluate();
        Assert.Equal((long)(2.3 * Gb), control.HardLimit); // capped at the max

        var raised = observer.Actions.Where(a => a.Kind == GovernorActionKind.LimitRaised).ToList();
        Assert.Equal(2, raised.Count);
        Assert.All(raised, a => Assert.Contains("heap utilisation", a.Reason, StringComparison.Ordinal));
    }

    [Fact]
    public void Evaluate_LightLoadLowUtilisation_LowersRaisedLimitTowardBase()
    {
        var time = new ManualTimeProvider();
        var control = new FakeGcControl { Available = 16 * Gb, Used = (long)(1.8 * Gb) };
        var options = new MemoryGovernorOptions
        {
            Limit = MemoryLimit.FromBytes(2 * Gb),
            MinLimit = MemoryLimit.FromBytes(Gb),
            MaxLimit = MemoryLimit.FromBytes(4 * Gb),
        };
        using var governor = new MemoryGovernor(options, null, time, null, control);
        governor.Start(); // raises once: 90% of 2 GiB
        Assert.Equal((long)(2.2 * Gb), control.HardLimit);

        control.Used = Gb / 4;
        for (var i = 0; i < 5; i++)
        {
            time.Advance(options.LimitCooldown);
            governor.Evaluate();
        }

        Assert.Equal(2 * Gb, control.HardLimit); // back to the base, never below it
    }

    [Fact]
    public void Update_RuntimeRefusesLimit_ReportsFailureAndKeepsPreviousLimit()
    {
        var control = new FakeGcControl { Available = 16 * Gb, Used = 3 * Gb };
        var observer = new RecordingObserver();
        using var governor = new MemoryGovernor(null, observer, new ManualTimeProvider(), null, control);

        var result = governor.Update(new MemoryGovernorUpdate { SetsLimit = true, Limit = MemoryLimit.FromBytes(2 * Gb) });

        Assert.False(result.Succeeded);
        Assert.Contains("refused", result.Message, StringComparison.Ordinal);
        Assert.Equal(16 * Gb, result.LimitBytes);
        var action = Assert.Single(observer.Actions);
        Assert.Equal(GovernorActionKind.LimitSet, action.Kind);
        Assert.False(action.Succeeded);
    }

    [Fact]
    public void Update_PercentLimit_ResolvesAgainstBaseline()
    {
        var control = new FakeGcControl { Available = 10 * Gb, Used = Gb / 10 };
        using var governor = new MemoryGovernor(null, null, new ManualTimeProvider(), null, control);

        var result = governor.Update(new MemoryGovernorUpdate { SetsLimit = true, Limit = MemoryLimit.FromPercent(25) });

        Assert.True(result.Succeeded);
        Assert.Equal(10 * Gb / 4, control.HardLimit);
        Assert.Equal(10 * Gb / 4, result.LimitBytes);
    }

    [Fact]
    public void WriteSnapshot_AfterActions_ListsThemNewestFirst()
    {
        var control = new FakeGcControl { Available = 10 * Gb, Used = Gb / 10 };
        using var governor = new MemoryGovernor(null, null, new ManualTimeProvider(), null, control);
        governor.Update(new MemoryGovernorUpdate { SetsLimit = true, Limit = MemoryLimit.FromBytes(4 * Gb) });
        governor.Update(new MemoryGovernorUpdate { SetsLimit = true, Limit = null });

        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            governor.WriteSnapshot(writer);
        }

        using var json = JsonDocument.Parse(stream.ToArray());
        var actions = json.RootElement.GetProperty("actions");
        Assert.Equal("limit.cleared", actions[0].GetProperty("action").GetString());
        Assert.Equal("limit.set", actions[1].GetProperty("action").GetString());
        Assert.Equal("normal", json.RootElement.GetProperty("admission").GetProperty("level").GetString());
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("limit").GetProperty("configured").ValueKind);
    }

    [Theory]
    [InlineData("""{"limit":"2GiB"}""", 2147483648L, true, false)]
    [InlineData("""{"limit":1073741824,"adaptLatencyMode":false}""", 1073741824L, true, false)]
    [InlineData("""{"limit":null}""", 0L, true, false)]
    [InlineData("""{"limit":"none"}""", 0L, true, false)]
    [InlineData("""{"minLimit":"1Gi","maxLimit":"75%"}""", 0L, false, true)]
    public void MemoryGovernorUpdate_TryParse_ValidBodies(string body, long limitBytes, bool setsLimit, bool setsBounds)
    {
        Assert.True(MemoryGovernorUpdate.TryParse(Encoding.UTF8.GetBytes(body), out var update, out var error), error);
        Assert.Equal(setsLimit, update!.SetsLimit);
        Assert.Equal(setsBounds, update.SetsBounds);
        Assert.Equal(limitBytes, update.Limit?.Bytes ?? 0);
        if (setsBounds)
        {
            Assert.Equal(75, update.MaxLimit!.Value.Percent);
        }
    }

    [Theory]
    [InlineData("""{"limit":"lots"}""")]
    [InlineData("""{"limit":-5}""")]
    [InlineData("""{"limit":"150%"}""")]
    [InlineData("""{"lmit":"1GiB"}""")]
    [InlineData("""{"adaptLatencyMode":"yes"}""")]
    [InlineData("""[1]""")]
    [InlineData("""{"limit":""")]
    public void MemoryGovernorUpdate_TryParse_InvalidBodies_Fail(string body)
    {
        Assert.False(MemoryGovernorUpdate.TryParse(Encoding.UTF8.GetBytes(body), out var update, out var error));
        Assert.Null(update);
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Theory]
    [InlineData("75%", 0, 75.0)]
    [InlineData("1073741824", 1073741824L, 0)]
    [InlineData("512MiB", 536870912L, 0)]
    [InlineData("512Mi", 536870912L, 0)]
    [InlineData("1.5GiB", 1610612736L, 0)]
    [InlineData("2G", 2000000000L, 0)]
    [InlineData("2gb", 2000000000L, 0)]
    [InlineData(" 64 KiB ", 65536L, 0)]
    public void MemoryLimit_TryParse_Accepts(string text, long bytes, double percent)
    {
        Assert.True(MemoryLimit.TryParse(text, out var limit));
        Assert.Equal(bytes, limit.Bytes);
        Assert.Equal(percent, limit.Percent);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("-1GiB")]
    [InlineData("0%")]
    [InlineData("101%")]
    [InlineData("12 parsecs")]
    [InlineData("GiB")]
    public void MemoryLimit_TryParse_Rejects(string text) => Assert.False(MemoryLimit.TryParse(text, out _));

    [Fact]
    public void MemoryLimit_ToStringThenParse_RoundTrips() =>
        Gen.Select(Gen.Bool, Gen.Long[1, long.MaxValue / 2], Gen.Int[1, 100]).Sample((isPercent, bytes, percent) =>
        {
            var limit = isPercent ? MemoryLimit.FromPercent(percent) : MemoryLimit.FromBytes(bytes);
            return MemoryLimit.TryParse(limit.ToString(), out var parsed) && parsed == limit;
        });

    internal sealed class FakeGcControl : IGcControl
    {
        public long Available { get; set; }

        public long Used { get; set; }

        public long HardLimit { get; private set; }

        public long TotalAvailableMemoryBytes => HardLimit > 0 ? HardLimit : Available;

        public long UsedBytes => Used;

        public GCLatencyMode LatencyMode { get; set; } = GCLatencyMode.Interactive;

        public void ApplyHardLimit(long bytes)
        {
            if (bytes > 0 && bytes < Used)
            {
                throw new InvalidOperationException("hard limit too low");
            }

            HardLimit = bytes;
        }
    }
}

/// <summary>The real process: the limit set through AppContext + RefreshMemoryLimit is what the GC reports.</summary>
[Collection(ProcessWideCollection.Name)]
public sealed class MemoryGovernorProcessTests
{
    [Fact]
    public void Update_RealProcess_ChangedLimitTakesEffect()
    {
        var observer = new RecordingObserver();
        using var governor = new MemoryGovernor(observer: observer);
        var baseline = governor.BaselineBytes;
        try
        {
            var half = governor.Update(new MemoryGovernorUpdate { SetsLimit = true, Limit = MemoryLimit.FromPercent(50) });
            Assert.True(half.Succeeded, half.Message);
            Assert.Equal(baseline / 2, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);
            Assert.Equal(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes, half.LimitBytes);

            var bytes = (baseline / 3) & ~0xFFFFL;
            var third = governor.Update(new MemoryGovernorUpdate { SetsLimit = true, Limit = MemoryLimit.FromBytes(bytes) });
            Assert.True(third.Succeeded, third.Message);
            Assert.Equal(bytes, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);

            // The GC keeps working under the new limit.
            GC.Collect();
            Assert.Equal(bytes, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);
        }
        finally
        {
            var cleared = governor.Update(new MemoryGovernorUpdate { SetsLimit = true, Limit = null });
            Assert.True(cleared.Succeeded, cleared.Message);
        }

        Assert.Equal(baseline, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);
        Assert.Equal(3, observer.Actions.Count(a => a.Succeeded && a.Kind is GovernorActionKind.LimitSet or GovernorActionKind.LimitCleared));
    }
}
