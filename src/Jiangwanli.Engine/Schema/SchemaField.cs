using System.Text;

namespace Jiangwanli.Engine.Schema;

/// <summary>One declared event field and where its value lives in a <see cref="Events.DecisionContext"/>.</summary>
public sealed class SchemaField
{
    internal SchemaField(string name, FieldType type, bool isEntity, bool isRequired, int index, int slot, int entityIndex)
    {
        Name = name;
        Utf8Name = Encoding.UTF8.GetBytes(name);
        Type = type;
        IsEntity = isEntity;
        IsRequired = isRequired;
        Index = index;
        Slot = slot;
        EntityIndex = entityIndex;
    }

    /// <summary>The field's JSON property name.</summary>
    public string Name { get; }

    /// <summary>The property name as UTF-8, for allocation-free matching by the event reader.</summary>
    public byte[] Utf8Name { get; }

    /// <summary>The declared type.</summary>
    public FieldType Type { get; }

    /// <summary>True when features may group by this field; its value is also hashed to a 64-bit entity key.</summary>
    public bool IsEntity { get; }

    /// <summary>True when an event without this field is refused (entity fields default to required).</summary>
    public bool IsRequired { get; }

    /// <summary>Position of the field in <see cref="EventSchema.Fields"/>; indexes presence flags.</summary>
    public int Index { get; }

    /// <summary>
    /// Index into the context's slot array for this type: <c>Numbers</c> for Number and Timestamp,
    /// <c>Bools</c> for Bool, the string slots for String.
    /// </summary>
    public int Slot { get; }

    /// <summary>Index into the context's entity keys, or -1 when the field is not an entity.</summary>
    public int EntityIndex { get; }
}
