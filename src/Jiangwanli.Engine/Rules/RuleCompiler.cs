using Jiangwanli.Engine.Rules.Binding;
using Jiangwanli.Engine.Rules.Evaluation;
using Jiangwanli.Engine.Rules.Syntax;

namespace Jiangwanli.Engine.Rules;

/// <summary>
/// Compiles rule conditions (a subset of CEL; see docs/rule-language.md) into allocation-free predicates:
/// lex → parse → type-check against the pack's schema, features and lists → fold literals → a tree of typed nodes.
/// </summary>
public static class RuleCompiler
{
    private static readonly RulePredicate s_alwaysTrue = static _ => true;
    private static readonly RulePredicate s_alwaysFalse = static _ => false;

    /// <summary>
    /// Parses, type-checks against env and compiles one condition. On error returns null and adds located
    /// diagnostics (RuleId = ruleId; Line/Column in pack-file coordinates: an error at expression line 1 column c is
    /// reported at (baseLine, baseColumn + c - 1); at expression line k>1 column c it is (baseLine + k - 1, c)).
    /// </summary>
    /// <param name="ruleId">Rule id, copied into every diagnostic.</param>
    /// <param name="source">The condition text.</param>
    /// <param name="env">The fields, features and lists the condition may use.</param>
    /// <param name="baseLine">Pack-file line of the condition's first character.</param>
    /// <param name="baseColumn">Pack-file column of the condition's first character.</param>
    /// <param name="diagnostics">Receives the errors, if any.</param>
    /// <returns>The predicate, or null when the condition has errors.</returns>
    public static RulePredicate? Compile(string ruleId, string source, RuleEnvironment env, int baseLine, int baseColumn, ICollection<RuleDiagnostic> diagnostics)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(diagnostics);

        var errors = new RuleErrors();
        var root = CompileTree(source, env, errors);
        if (root is null)
        {
            foreach (var (position, message) in errors.Items)
            {
                var line = position.Line == 1 ? baseLine : baseLine + position.Line - 1;
                var column = position.Line == 1 ? baseColumn + position.Column - 1 : position.Column;
                diagnostics.Add(new RuleDiagnostic(ruleId, line, column, message));
            }

            return null;
        }

        return root switch
        {
            ConstantBool constant => constant.Value ? s_alwaysTrue : s_alwaysFalse,
            AbsentBool => s_alwaysFalse,
            _ => root.Eval,
        };
    }

    /// <summary>Compiles to the node tree (tests inspect it); null when errors were added.</summary>
    internal static BoolNode? CompileTree(string source, RuleEnvironment env, RuleErrors errors)
    {
        var tokens = Lexer.Tokenize(source, errors);
        if (errors.Count > 0)
        {
            return null;
        }

        var tree = Parser.Parse(tokens, errors);
        if (tree is null || errors.Count > 0)
        {
            return null;
        }

        var root = new Binder(env, errors).BindCondition(tree);
        return errors.Count > 0 ? null : root;
    }
}
