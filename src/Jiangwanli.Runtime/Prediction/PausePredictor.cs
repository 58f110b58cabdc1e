namespace Jiangwanli.Runtime.Prediction;

/// <summary>The inputs of the pause model, in the units the model is fitted in.</summary>
/// <param name="AllocationRateMBps">Allocation rate just before the GC, MB/s.</param>
/// <param name="LiveHeapMB">Heap left by the previous GC (what the next one must trace), MB.</param>
/// <param name="LastPauseMs">The previous GC's pause, ms.</param>
public readonly record struct PauseFeatures(double AllocationRateMBps, double LiveHeapMB, double LastPauseMs);

/// <summary>The fitted pause model and how well it has been predicting.</summary>
/// <param name="Intercept">Constant term, ms.</param>
/// <param name="AllocationRateWeight">ms per MB/s of allocation rate.</param>
/// <param name="LiveHeapWeight">ms per MB of live heap.</param>
/// <param name="LastPauseWeight">ms per ms of the previous pause.</param>
/// <param name="Samples">GCs the model has been fitted on.</param>
/// <param name="MeanAbsoluteErrorMs">Rolling mean absolute error of the predictions made before each GC was observed.</param>
/// <param name="LastErrorMs">The most recent prediction error (actual − predicted), ms.</param>
public readonly record struct PauseModel(
    double Intercept,
    double AllocationRateWeight,
    double LiveHeapWeight,
    double LastPauseWeight,
    long Samples,
    double MeanAbsoluteErrorMs,
    double LastErrorMs);

/// <summary>
/// Predicts the next GC pause with a linear model fitted online by recursive least squares:
/// <c>pause ≈ w0 + w1·allocationRate + w2·liveHeap + w3·lastPause</c>. The handbook (chapter 4.1)
/// used fixed weights 0.45/0.35/0.20; here the weights are learned from the process's own GCs and
/// keep adapting (exponential forgetting). The reported error is prequential — each GC is predicted
/// before the model learns from it — so it is an honest out-of-sample figure. Thread-safe.
/// </summary>
public sealed class PausePredictor
{
    private const int Dimension = 4;
    private const double CovarianceCeiling = 1e8;

    private readonly double _lambda;
    private readonly double _initialCovariance;
    private readonly double[] _theta = new double[Dimension];
    private readonly double[,] _p = new double[Dimension, Dimension];
    private readonly double[] _errors;
    private readonly Lock _gate = new();
    private int _errorNext;
    private int _errorCount;
    private double _errorSum;
    private long _samples;
    private double _lastError;

    /// <summary>Creates an untrained model.</summary>
    /// <param name="forgettingFactor">RLS λ in (0, 1]: 1 weighs all history equally; 0.995 has a memory of about 200 GCs.</param>
    /// <param name="errorWindow">How many recent predictions the mean absolute error covers.</param>
    /// <param name="initialCovariance">Prior variance of the weights (large: trust the data quickly).</param>
    public PausePredictor(double forgettingFactor = 0.995, int errorWindow = 64, double initialCovariance = 1000)
    {
        if (!(forgettingFactor > 0 && forgettingFactor <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(forgettingFactor), "must be in (0, 1]");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(errorWindow, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(initialCovariance, 0);
        _lambda = forgettingFactor;
        _initialCovariance = initialCovariance;
        _errors = new double[errorWindow];
        ResetCovariance();
    }

    /// <summary>GCs observed.</summary>
    public long Samples
    {
        get
        {
            lock (_gate)
            {
                return _samples;
            }
        }
    }

    /// <summary>The current weights and error.</summary>
    public PauseModel Model
    {
        get
        {
            lock (_gate)
            {
                return new PauseModel(
                    _theta[0], _theta[1], _theta[2], _theta[3], _samples, _errorCount == 0 ? 0 : _errorSum / _errorCount, _lastError);
            }
        }
    }

    /// <summary>The predicted pause in ms (never negative; 0 before any training).</summary>
    public double PredictMs(PauseFeatures features)
    {
        Span<double> x = stackalloc double[Dimension];
        Load(features, x);
        lock (_gate)
        {
            return Math.Max(0, Dot(x));
        }
    }

    /// <summary>Learns from one GC: records the error of the prediction it would have made, then updates the weights.</summary>
    public void Observe(PauseFeatures features, double pauseMs)
    {
        if (!double.IsFinite(pauseMs) || !double.IsFinite(features.AllocationRateMBps)
            || !double.IsFinite(features.LiveHeapMB) || !double.IsFinite(features.LastPauseMs))
        {
            return;
        }

        Span<double> x = stackalloc double[Dimension];
        Span<double> px = stackalloc double[Dimension];
        Load(features, x);
        lock (_gate)
        {
            var predicted = Math.Max(0, Dot(x));
            RecordError(pauseMs - predicted);

            // k = P x / (λ + xᵀ P x);  θ += k (y − θᵀx);  P = (P − k (P x)ᵀ) / λ
            var denominator = _lambda;
            for (var i = 0; i < Dimension; i++)
            {
                var sum = 0.0;
                for (var j = 0; j < Dimension; j++)
                {
                    sum += _p[i, j] * x[j];
                }

                px[i] = sum;
                denominator += x[i] * sum;
            }

            var residual = pauseMs - Dot(x);
            for (var i = 0; i < Dimension; i++)
            {
                _theta[i] += px[i] / denominator * residual;
            }

            var trace = 0.0;
            for (var i = 0; i < Dimension; i++)
            {
                for (var j = i; j < Dimension; j++)
                {
                    // Update the upper triangle and mirror it: keeps P exactly symmetric.
                    var value = (_p[i, j] - (px[i] * px[j] / denominator)) / _lambda;
                    _p[i, j] = value;
                    _p[j, i] = value;
                }

                trace += _p[i, i];
            }

            // Forgetting inflates P along directions the data stops exciting (e.g. a constant
            // heap); cap it so a later change in the load does not produce wild weight jumps.
            if (!double.IsFinite(trace) || trace > CovarianceCeiling)
            {
                ResetCovariance();
            }

            _samples++;
        }
    }

    private static void Load(PauseFeatures features, Span<double> x)
    {
        x[0] = 1;
        x[1] = features.AllocationRateMBps;
        x[2] = features.LiveHeapMB;
        x[3] = features.LastPauseMs;
    }

    private double Dot(ReadOnlySpan<double> x)
    {
        var sum = 0.0;
        for (var i = 0; i < Dimension; i++)
        {
            sum += _theta[i] * x[i];
        }

        return sum;
    }

    private void RecordError(double error)
    {
        var absolute = Math.Abs(error);
        if (_errorCount == _errors.Length)
        {
            _errorSum -= _errors[_errorNext];
        }
        else
        {
            _errorCount++;
        }

        _errors[_errorNext] = absolute;
        _errorSum += absolute;
        _errorNext = (_errorNext + 1) % _errors.Length;
        _lastError = error;
    }

    private void ResetCovariance()
    {
        for (var i = 0; i < Dimension; i++)
        {
            for (var j = 0; j < Dimension; j++)
            {
                _p[i, j] = i == j ? _initialCovariance : 0;
            }
        }
    }
}
