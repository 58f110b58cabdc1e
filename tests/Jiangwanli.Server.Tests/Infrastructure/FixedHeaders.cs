using System.Collections;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Jiangwanli.Server.Tests.Infrastructure;

/// <summary>
/// A header dictionary that keeps Content-Length as a number, like Kestrel's own header collections. (ASP.NET Core's
/// general HeaderDictionary formats it to a string, an allocation Kestrel does not make; using it would charge the
/// handler for the test double.)
/// </summary>
internal sealed class FixedHeaders : IHeaderDictionary
{
    private readonly Dictionary<string, StringValues> _values = new(StringComparer.OrdinalIgnoreCase);

    public long? ContentLength { get; set; }

    public StringValues this[string key]
    {
        get => _values.TryGetValue(key, out var value) ? value : StringValues.Empty;
        set
        {
            if (StringValues.IsNullOrEmpty(value))
            {
                _values.Remove(key);
            }
            else
            {
                _values[key] = value;
            }
        }
    }

    public ICollection<string> Keys => _values.Keys;

    public ICollection<StringValues> Values => _values.Values;

    public int Count => _values.Count;

    public bool IsReadOnly => false;

    public void Add(string key, StringValues value) => _values.Add(key, value);

    public void Add(KeyValuePair<string, StringValues> item) => _values.Add(item.Key, item.Value);

    public void Clear()
    {
        _values.Clear();
        ContentLength = null;
    }

    public bool Contains(KeyValuePair<string, StringValues> item) => _values.ContainsKey(item.Key);

    public bool ContainsKey(string key) => _values.ContainsKey(key);

    public void CopyTo(KeyValuePair<string, StringValues>[] array, int arrayIndex) => ((ICollection<KeyValuePair<string, StringValues>>)_values).CopyTo(array, arrayIndex);

    public IEnumerator<KeyValuePair<string, StringValues>> GetEnumerator() => _values.GetEnumerator();

    public bool Remove(string key) => _values.Remove(key);

    public bool Remove(KeyValuePair<string, StringValues> item) => _values.Remove(item.Key);

    public bool TryGetValue(string key, out StringValues value) => _values.TryGetValue(key, out value);

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
