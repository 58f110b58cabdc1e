namespace Jiangwanli.Engine.Rules.Syntax;

/// <summary>A 1-based line and column inside one rule condition (not yet mapped to pack-file coordinates).</summary>
internal readonly record struct SourcePosition(int Line, int Column);
