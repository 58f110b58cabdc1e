using System.Buffers;
using System.IO.Pipelines;

namespace Jiangwanli.Server.Tests.Infrastructure;

/// <summary>
/// A request body pipe that hands out one preset buffer, completed — like Kestrel when the whole body arrived with the
/// headers. Reset per request, so the harness itself allocates nothing.
/// </summary>
internal sealed class ReusableBodyReader : PipeReader
{
    private ReadOnlyMemory<byte> _body;
    private bool _consumed;

    public void Reset(ReadOnlyMemory<byte> body)
    {
        _body = body;
        _consumed = false;
    }

    public override bool TryRead(out ReadResult result)
    {
        result = Current();
        return true;
    }

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default) => new(Current());

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        // The handler always consumes everything it was given.
        _consumed = true;
    }

    public override void CancelPendingRead()
    {
    }

    public override void Complete(Exception? exception = null)
    {
    }

    private ReadResult Current()
        => new(_consumed ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(_body), isCanceled: false, isCompleted: true);
}
