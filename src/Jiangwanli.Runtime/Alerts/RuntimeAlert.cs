namespace Jiangwanli.Runtime.Alerts;

/// <summary>How bad an alert is (the Alertmanager <c>severity</c> label).</summary>
public enum AlertSeverity
{
    /// <summary>For information.</summary>
    Info,

    /// <summary>Needs a look.</summary>
    Warning,

    /// <summary>Needs action now.</summary>
    Critical,
}

/// <summary>Whether an alert is active.</summary>
public enum AlertState
{
    /// <summary>The condition holds.</summary>
    Firing,

    /// <summary>The condition no longer holds.</summary>
    Resolved,
}

/// <summary>A runtime alert at one of its transitions (or a re-send while it fires).</summary>
/// <param name="Name">The <c>alertname</c>, e.g. <c>JwlGcHeapNearLimit</c>.</param>
/// <param name="Severity">How bad.</param>
/// <param name="State">Firing or resolved.</param>
/// <param name="Summary">One line for a human.</param>
/// <param name="Description">More detail: what was measured against what.</param>
/// <param name="Value">The measured value that tripped (or last held) the rule.</param>
/// <param name="Threshold">The rule's threshold, same unit as <paramref name="Value"/>.</param>
/// <param name="StartsAt">When it started firing.</param>
/// <param name="EndsAt">When it was resolved; null while firing.</param>
public sealed record RuntimeAlert(
    string Name,
    AlertSeverity Severity,
    AlertState State,
    string Summary,
    string Description,
    double Value,
    double Threshold,
    DateTimeOffset StartsAt,
    DateTimeOffset? EndsAt);
