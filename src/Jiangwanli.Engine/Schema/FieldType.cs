namespace Jiangwanli.Engine.Schema;

/// <summary>The type of an event field, as declared in a rule pack's <c>schema</c>.</summary>
public enum FieldType : byte
{
    /// <summary>UTF-8 text; kept as bytes on the hot path.</summary>
    String = 0,

    /// <summary>A JSON number, held as a <see cref="double"/>.</summary>
    Number = 1,

    /// <summary>A JSON <c>true</c>/<c>false</c>.</summary>
    Bool = 2,

    /// <summary>An instant: RFC 3339 text or epoch milliseconds; held as epoch milliseconds in a number slot.</summary>
    Timestamp = 3,
}
