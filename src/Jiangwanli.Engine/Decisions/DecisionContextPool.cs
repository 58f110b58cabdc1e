using Jiangwanli.Engine.Events;
using Jiangwanli.Engine.Packs;

namespace Jiangwanli.Engine.Decisions;

/// <summary>
/// A bounded pool of contexts for one pack. Lock-free: a fast slot for the most recent return, then an array
/// scanned with compare-exchange (the shape of Microsoft.Extensions.ObjectPool's DefaultObjectPool, written
/// here because the engine depends on the BCL only).
/// </summary>
internal sealed class DecisionContextPool
{
    private readonly RulePack _pack;
    private readonly EventReader _reader;
    private readonly DecisionContext?[] _items;
    private DecisionContext? _fast;

    public DecisionContextPool(RulePack pack, EventReader reader)
    {
        _pack = pack;
        _reader = reader;
        _items = new DecisionContext?[Math.Max(16, Environment.ProcessorCount * 8)];
    }

    public DecisionContext Rent()
    {
        var item = _fast;
        if (item is not null && Interlocked.CompareExchange(ref _fast, null, item) == item)
        {
            return item;
        }

        var items = _items;
        for (var i = 0; i < items.Length; i++)
        {
            item = items[i];
            if (item is not null && Interlocked.CompareExchange(ref items[i], null, item) == item)
            {
                return item;
            }
        }

        return new DecisionContext(_pack, _reader);
    }

    public void Return(DecisionContext context)
    {
        if (_fast is null && Interlocked.CompareExchange(ref _fast, context, null) is null)
        {
            return;
        }

        var items = _items;
        for (var i = 0; i < items.Length; i++)
        {
            if (items[i] is null && Interlocked.CompareExchange(ref items[i], context, null) is null)
            {
                return;
            }
        }

        // Pool full: let the GC have it.
    }
}
