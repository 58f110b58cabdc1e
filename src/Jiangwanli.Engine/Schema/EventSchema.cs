using System.Collections.Frozen;

namespace Jiangwanli.Engine.Schema;

/// <summary>
/// The compiled event schema of a rule pack: field names mapped to typed slots so that the event reader
/// and compiled rules address values by index, never by name, on the hot path.
/// </summary>
public sealed class EventSchema
{
    private readonly FrozenDictionary<string, SchemaField> _byName;

    /// <summary>Builds a schema; fields get slots in declaration order.</summary>
    /// <param name="fields">Name, type, entity flag and required flag (null: required when an entity).</param>
    public EventSchema(IReadOnlyList<(string Name, FieldType Type, bool IsEntity, bool? IsRequired)> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        var list = new SchemaField[fields.Count];
        int numbers = 0, bools = 0, strings = 0, entities = 0;
        for (var i = 0; i < fields.Count; i++)
        {
            var (name, type, isEntity, required) = fields[i];
            var slot = type switch
            {
                FieldType.Number or FieldType.Timestamp => numbers++,
                FieldType.Bool => bools++,
                _ => strings++,
            };
            list[i] = new SchemaField(name, type, isEntity, required ?? isEntity, i, slot, isEntity ? entities++ : -1);
        }

        Fields = list;
        NumberSlotCount = numbers;
        BoolSlotCount = bools;
        StringSlotCount = strings;
        EntityCount = entities;
        _byName = list.ToFrozenDictionary(f => f.Name, StringComparer.Ordinal);
    }

    /// <summary>All fields, in declaration order (<see cref="SchemaField.Index"/>).</summary>
    public IReadOnlyList<SchemaField> Fields { get; }

    /// <summary>How many number slots (Number and Timestamp fields) a context needs.</summary>
    public int NumberSlotCount { get; }

    /// <summary>How many bool slots a context needs.</summary>
    public int BoolSlotCount { get; }

    /// <summary>How many string slots a context needs.</summary>
    public int StringSlotCount { get; }

    /// <summary>How many entity fields (and so entity keys) an event has.</summary>
    public int EntityCount { get; }

    /// <summary>Finds a field by name.</summary>
    public bool TryGetField(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SchemaField? field)
        => _byName.TryGetValue(name, out field);
}
