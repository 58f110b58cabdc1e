using Microsoft.Extensions.ObjectPool;

namespace Jiangwanli.Server.Decisions;

/// <summary>
/// A bounded pool of <see cref="RequestBuffers"/>. Instances that grew past <see cref="MaxRetainedBytes"/> (a big
/// batch) are dropped on return so one large request does not pin its memory for ever.
/// </summary>
internal sealed class RequestBuffersPool
{
    /// <summary>Largest instance kept for reuse.</summary>
    public const long MaxRetainedBytes = 1024 * 1024;

    private readonly DefaultObjectPool<RequestBuffers> _pool = new(new Policy(), Math.Max(16, Environment.ProcessorCount * 16));

    public RequestBuffers Rent() => _pool.Get();

    public void Return(RequestBuffers buffers) => _pool.Return(buffers);

    private sealed class Policy : IPooledObjectPolicy<RequestBuffers>
    {
        public RequestBuffers Create() => new();

        public bool Return(RequestBuffers obj)
        {
            obj.Reset();
            return obj.RetainedBytes <= MaxRetainedBytes;
        }
    }
}
