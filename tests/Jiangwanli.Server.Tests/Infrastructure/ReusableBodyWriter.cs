using System.Buffers;
using System.IO.Pipelines;

namespace Jiangwanli.Server.Tests.Infrastructure;

/// <summary>A response body pipe over a reusable buffer (what Kestrel's output pipe is to the handler).</summary>
internal sealed class ReusableBodyWriter : PipeWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new(64 * 1024);

    public ReadOnlySpan<byte> Written => _buffer.WrittenSpan;

    public void Reset() => _buffer.ResetWrittenCount();

    public override void Advance(int bytes) => _buffer.Advance(bytes);

    public override Memory<byte> GetMemory(int sizeHint = 0) => _buffer.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => _buffer.GetSpan(sizeHint);

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => new(new FlushResult(false, false));

    public override void CancelPendingFlush()
    {
    }

    public override void Complete(Exception? exception = null)
    {
    }
}
