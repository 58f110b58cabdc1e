using System.Text;
using CsCheck;
using Jiangwanli.Engine.Events;
using Jiangwanli.Engine.Schema;

namespace Jiangwanli.Engine.Tests.EventReading;

/// <summary>
/// The reader's property-name table: every schema name is found, whatever its length and however many names share a
/// length, a head or a tail, and a name that is not in the schema is not — on the fast path, at the end of an event (fewer
/// than 8 bytes after the name) and on the general path.
/// </summary>
public sealed class EventReaderNameTests
{
    private const long Now = 1_764_200_000_000;

    // Few letters, so generated names often share lengths, first 8 and last 8 bytes.
    private static readonly Gen<string> s_name = Gen.Char["ab_"].Array[1, 24].Select(c => new string(c));

    [Fact]
    public void TryRead_RandomSchemaNames_EachFoundAndNothingElse()
    {
        Gen.Select(s_name.HashSet[1, 24], s_name, Gen.Bool).Sample((names, probe, general) =>
        {
            var fields = names.Where(n => n is not ("id" or "timestamp")).Select(n => (n, FieldType.Number, false, (bool?)false)).ToList();
            var schema = new EventSchema(fields);
            var reader = new EventReader(schema) { ForceGeneralPath = general };
            var context = new DecisionContext(schema, 0, 0);
            foreach (var (name, _, _, _) in fields.Append((probe, FieldType.Number, false, null)))
            {
                // The name first (8+ bytes follow it) and last (the closing bytes are fewer than 8).
                foreach (var json in new[] { $"{{\"{name}\":1,\"zzzzzzzzzz\":2}}", $"{{\"zzzzzzzzzz\":2,\"{name}\":1}}" })
                {
                    Assert.True(reader.TryRead(Encoding.UTF8.GetBytes(json), context, Now), json);
                    foreach (var field in schema.Fields)
                    {
                        Assert.Equal(field.Name == name, context.Has(field));
                    }
                }
            }
        }, iter: 300, threads: 1);
    }
}
