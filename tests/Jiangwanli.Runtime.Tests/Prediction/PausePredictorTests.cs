using CsCheck;
using Jiangwanli.Runtime.Prediction;

namespace Jiangwanli.Runtime.Tests.Prediction;

public sealed class PausePredictorTests
{
    [Fact]
    public void Observe_HandbookWeightsWithNoise_RecoversThemWithinTolerance()
    {
        // The handbook's fixed model, pause = 0.45·rate + 0.35·heap + 0.20·last, now as ground truth.
        var random = new Random(20250101);
        var predictor = new PausePredictor(forgettingFactor: 1.0);
        for (var i = 0; i < 2000; i++)
        {
            var features = new PauseFeatures(random.NextDouble() * 20, random.NextDouble() * 30, random.NextDouble() * 10);
            var noise = (random.NextDouble() - 0.5) * 0.2;
            predictor.Observe(features, Truth(features) + noise);
        }

        var model = predictor.Model;
        Assert.Equal(0.45, model.AllocationRateWeight, 0.01);
        Assert.Equal(0.35, model.LiveHeapWeight, 0.01);
        Assert.Equal(0.20, model.LastPauseWeight, 0.01);
        Assert.Equal(0, model.Intercept, 0.05);
        Assert.Equal(2000, model.Samples);

        // Once fitted, the prequential error is the noise: uniform on ±0.1 has mean |e| 0.05.
        Assert.InRange(model.MeanAbsoluteErrorMs, 0.02, 0.08);
        var probe = new PauseFeatures(10, 10, 5);
        Assert.Equal(Truth(probe), predictor.PredictMs(probe), 0.05);

        static double Truth(PauseFeatures f) => (0.45 * f.AllocationRateMBps) + (0.35 * f.LiveHeapMB) + (0.20 * f.LastPauseMs);
    }

    [Fact]
    public void Observe_AnyLinearModelWithoutNoise_IsRecovered() =>
        Gen.Select(Gen.Double[0, 2], Gen.Double[0, 2], Gen.Double[0, 2], Gen.Double[0, 5], Gen.Int[0, 1_000_000])
            .Sample((w1, w2, w3, w0, seed) =>
            {
                var random = new Random(seed);
                var predictor = new PausePredictor(forgettingFactor: 1.0);
                for (var i = 0; i < 200; i++)
                {
                    var f = new PauseFeatures(random.NextDouble() * 50, random.NextDouble() * 200, random.NextDouble() * 20);
                    predictor.Observe(f, w0 + (w1 * f.AllocationRateMBps) + (w2 * f.LiveHeapMB) + (w3 * f.LastPauseMs));
                }

                var m = predictor.Model;
                return Math.Abs(m.AllocationRateWeight - w1) < 1e-3 && Math.Abs(m.LiveHeapWeight - w2) < 1e-3
                    && Math.Abs(m.LastPauseWeight - w3) < 1e-3 && Math.Abs(m.Intercept - w0) < 1e-2;
            }, iter: 50);

    [Fact]
    public void Observe_RegimeChange_ForgettingFollowsTheNewWeights()
    {
        var random = new Random(7);
        var predictor = new PausePredictor(forgettingFactor: 0.98);
        for (var i = 0; i < 500; i++)
        {
            var f = Next(random);
            predictor.Observe(f, 1 + f.AllocationRateMBps);
        }

        for (var i = 0; i < 500; i++)
        {
            var f = Next(random);
            predictor.Observe(f, 2 + (0.5 * f.LiveHeapMB));
        }

        var model = predictor.Model;
        Assert.Equal(0, model.AllocationRateWeight, 0.01);
        Assert.Equal(0.5, model.LiveHeapWeight, 0.01);
        Assert.Equal(2, model.Intercept, 0.05);

        static PauseFeatures Next(Random r) => new(r.NextDouble() * 10, r.NextDouble() * 10, r.NextDouble() * 10);
    }

    [Fact]
    public void Observe_ConstantFeaturesForLong_StaysFiniteAndPredictsTheConstant()
    {
        var predictor = new PausePredictor(forgettingFactor: 0.9);
        var features = new PauseFeatures(5, 100, 1);
        for (var i = 0; i < 5000; i++)
        {
            predictor.Observe(features, 3);
        }

        var model = predictor.Model;
        Assert.True(double.IsFinite(model.Intercept) && double.IsFinite(model.LiveHeapWeight));
        Assert.Equal(3, predictor.PredictMs(features), 1e-6);
    }

    [Fact]
    public void PredictMs_Untrained_IsZeroAndNeverNegative()
    {
        var predictor = new PausePredictor();
        Assert.Equal(0, predictor.PredictMs(new PauseFeatures(1, 1, 1)));
        for (var i = 0; i < 50; i++)
        {
            predictor.Observe(new PauseFeatures(i, 0, 0), 10 - i); // a falling line
        }

        Assert.Equal(0, predictor.PredictMs(new PauseFeatures(100, 0, 0)));
    }

    [Fact]
    public void Observe_NonFiniteInput_IsIgnored()
    {
        var predictor = new PausePredictor();
        predictor.Observe(new PauseFeatures(double.NaN, 1, 1), 1);
        predictor.Observe(new PauseFeatures(1, 1, 1), double.PositiveInfinity);
        Assert.Equal(0, predictor.Samples);
    }
}
