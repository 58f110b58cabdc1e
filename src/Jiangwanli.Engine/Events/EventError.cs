namespace Jiangwanli.Engine.Events;

/// <summary>Why an event could not be read.</summary>
public enum EventErrorCode : byte
{
    /// <summary>No error.</summary>
    None = 0,

    /// <summary>The body is not well-formed JSON (or not a JSON object).</summary>
    MalformedJson,

    /// <summary>A field's JSON type does not match the schema.</summary>
    WrongType,

    /// <summary>A required (entity) field is absent.</summary>
    MissingField,

    /// <summary>The document nests deeper than allowed.</summary>
    TooDeep,

    /// <summary>The document or a string in it is larger than allowed.</summary>
    TooLarge,

    /// <summary>A value has the right JSON type but cannot be used (bad timestamp, non-finite number).</summary>
    InvalidValue,
}

/// <summary>
/// A typed error from the event reader: what went wrong and which field. Carries no allocated text:
/// <see cref="Field"/> is the schema's own name string (or a constant), <see cref="Message"/> a constant.
/// </summary>
public readonly record struct EventError(EventErrorCode Code, string? Field, string Message, long BytePosition)
{
    /// <summary>True when this is an error.</summary>
    public bool IsError => Code != EventErrorCode.None;
}
