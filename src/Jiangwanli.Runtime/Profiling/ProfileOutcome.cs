namespace Jiangwanli.Runtime.Profiling;

/// <summary>How a profile request ended. The server maps it to an HTTP status.</summary>
public enum ProfileStatus
{
    /// <summary>The profile was collected (200).</summary>
    Completed,

    /// <summary>Another profile is running; nothing was collected (409).</summary>
    Busy,

    /// <summary>The request was out of bounds, e.g. the duration (400).</summary>
    InvalidRequest,

    /// <summary>Collection failed, e.g. the diagnostics port is disabled (500).</summary>
    Failed,

    /// <summary>The caller's token was cancelled before the profile finished.</summary>
    Canceled,
}

/// <summary>The result of a profile request: a status, and the profile when <see cref="ProfileStatus.Completed"/>.</summary>
public readonly struct ProfileOutcome
{
    private ProfileOutcome(ProfileStatus status, CollectedProfile? profile, string? message)
    {
        Status = status;
        Profile = profile;
        Message = message;
    }

    /// <summary>How the request ended.</summary>
    public ProfileStatus Status { get; }

    /// <summary>The profile; non-null exactly when <see cref="Status"/> is <see cref="ProfileStatus.Completed"/>.</summary>
    public CollectedProfile? Profile { get; }

    /// <summary>A human-readable reason for any status but <see cref="ProfileStatus.Completed"/>.</summary>
    public string? Message { get; }

    /// <summary>Whether <see cref="Profile"/> is available.</summary>
    public bool IsCompleted => Status == ProfileStatus.Completed;

    internal static ProfileOutcome Completed(CollectedProfile profile) => new(ProfileStatus.Completed, profile, null);

    internal static ProfileOutcome Busy() => new(ProfileStatus.Busy, null, "another profile is being collected; retry when it ends");

    internal static ProfileOutcome Invalid(string message) => new(ProfileStatus.InvalidRequest, null, message);

    internal static ProfileOutcome Failed(string message) => new(ProfileStatus.Failed, null, message);

    internal static ProfileOutcome Canceled() => new(ProfileStatus.Canceled, null, "canceled");
}
