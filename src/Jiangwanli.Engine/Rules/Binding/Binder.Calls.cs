using Jiangwanli.Engine.Rules.Evaluation;
using Jiangwanli.Engine.Rules.Syntax;

namespace Jiangwanli.Engine.Rules.Binding;

/// <summary>Function calls: <c>f(a, b)</c> and the method form <c>a.f(b)</c>, which is the same call.</summary>
internal sealed partial class Binder
{
    private static readonly string[] s_functions = ["has", "size", "lower", "abs", "min", "max", "startsWith", "endsWith", "contains"];

    private Bound BindCall(CallSyntax call)
    {
        if (call.Name == "has")
        {
            return BindHas(call);
        }

        var signature = Signature(call.Name);
        if (signature is null)
        {
            var suggestion = NameSuggestions.Closest(call.Name, s_functions);
            _errors.Add(call.Anchor, suggestion is null
                ? $"unknown function '{call.Name}'; expected one of {string.Join(", ", s_functions)}"
                : $"unknown function '{call.Name}'; did you mean '{suggestion}'?");
            return Bound.Error(call);
        }

        var syntaxes = new List<SyntaxNode>(call.Arguments.Count + 1);
        if (call.Receiver is not null)
        {
            syntaxes.Add(call.Receiver);
        }

        syntaxes.AddRange(call.Arguments);
        var isMinMax = call.Name is "min" or "max";
        var expectedCount = call.Name is "size" or "lower" or "abs" ? 1 : 2;
        if (isMinMax ? syntaxes.Count < 2 : syntaxes.Count != expectedCount)
        {
            var expected = isMinMax ? "at least 2 arguments" : expectedCount == 1 ? "1 argument" : "2 arguments";
            _errors.Add(call.Anchor, $"'{call.Name}' takes {expected}: {signature}; found {syntaxes.Count}");
            return Bound.Error(call);
        }

        var argumentType = call.Name is "abs" or "min" or "max" ? RuleType.Number : RuleType.String;
        var arguments = new List<Bound>(syntaxes.Count);
        var failed = false;
        for (var i = 0; i < syntaxes.Count; i++)
        {
            var argument = BindValue(syntaxes[i]);
            if (argument.Type == RuleType.Error)
            {
                failed = true;
            }
            else if (argument.Type != argumentType)
            {
                var where = call.Receiver is not null && i == 0
                    ? $"before '.{call.Name}('"
                    : $"as argument {(call.Receiver is null ? i + 1 : i)} of '{call.Name}'";
                Mismatch(call, syntaxes[i].Start, $"{Bound.Describe(argumentType)} {where}", argument);
                failed = true;
            }

            arguments.Add(argument);
        }

        if (failed)
        {
            return Bound.Error(call);
        }

        var allConstant = true;
        foreach (var argument in arguments)
        {
            allConstant &= argument.IsConstant;
            if (IsAbsentConstant(argument.Node!))
            {
                // Any function of an absent value is absent (and a test on one is false).
                return Bound.Value(call, argumentType == RuleType.Number || call.Name == "size"
                    ? AbsentNumber.Instance
                    : call.Name == "lower" ? AbsentString.Instance : ConstantBool.False);
            }
        }

        var node = BuildCall(call.Name, arguments);
        return Fold(call, node, allConstant);
    }

    private static EvalNode BuildCall(string name, List<Bound> arguments)
    {
        switch (name)
        {
            case "size":
                return new TextSize((StringNode)arguments[0].Node!);
            case "lower":
                return new Lower((StringNode)arguments[0].Node!);
            case "abs":
                return new Absolute((NumberNode)arguments[0].Node!);
            case "min" or "max":
                var result = (NumberNode)arguments[0].Node!;
                for (var i = 1; i < arguments.Count; i++)
                {
                    var next = (NumberNode)arguments[i].Node!;
                    result = name == "min" ? Arithmetic<Minimum>(result, next) : Arithmetic<Maximum>(result, next);
                }

                return result;
            default:
                var text = (StringNode)arguments[0].Node!;
                var part = (StringNode)arguments[1].Node!;
                if (name is "startsWith" or "endsWith" && text is Lower lower && part is ConstantString affix && LowerAffixTest.Accepts(affix.Value))
                {
                    return new LowerAffixTest(lower.Operand, affix.Value, atEnd: name == "endsWith");
                }

                return name switch
                {
                    "startsWith" => TextTest<StartsWithTest>(text, part),
                    "endsWith" => TextTest<EndsWithTest>(text, part),
                    _ => TextTest<ContainsTest>(text, part),
                };
        }
    }

    private static BoolNode TextTest<TOp>(StringNode text, StringNode part)
        where TOp : struct, ITextTest
        => part is ConstantString literal ? new TextTestConstant<TOp>(text, literal.Value) : new TextTest<TOp>(text, part);

    private static string? Signature(string name) => name switch
    {
        "size" => "size(text) or text.size()",
        "lower" => "lower(text) or text.lower()",
        "abs" => "abs(number)",
        "min" => "min(a, b, ...)",
        "max" => "max(a, b, ...)",
        "startsWith" => "startsWith(text, prefix) or text.startsWith(prefix)",
        "endsWith" => "endsWith(text, suffix) or text.endsWith(suffix)",
        "contains" => "contains(text, part) or text.contains(part)",
        _ => null,
    };

    private Bound BindHas(CallSyntax call)
    {
        if (call.Receiver is not null)
        {
            _errors.Add(call.Anchor, "has() is not a method; write has(field)");
            return Bound.Error(call);
        }

        if (call.Arguments.Count != 1 || call.Arguments[0] is not NameSyntax name)
        {
            var at = call.Arguments.Count == 1 ? call.Arguments[0].Start : call.Anchor;
            _errors.Add(at, "has() takes one event field or feature name, e.g. has(amount)");
            return Bound.Error(call);
        }

        if (_env.Schema.TryGetField(name.Name, out var field))
        {
            return Bound.Value(call, new HasField(field.Index));
        }

        if (_env.Features.TryGetValue(name.Name, out var feature))
        {
            return Bound.Value(call, new HasFeature(feature.Index));
        }

        if (_env.Lists.ContainsKey(name.Name))
        {
            _errors.Add(name.Start, $"has() tests event fields and features; '{name.Name}' is a list");
            return Bound.Error(call);
        }

        ReportUnknownName(name);
        return Bound.Error(call);
    }
}
