namespace Jiangwanli.Server.Admission;

/// <summary>What admission control decided for one request.</summary>
internal enum AdmissionOutcome
{
    /// <summary>Serve it; release the slot when done.</summary>
    Admitted,

    /// <summary>The wait queue is full: 503 at once.</summary>
    Overloaded,

    /// <summary>It waited past the queueing deadline: 503 rather than served late.</summary>
    QueueTimeout,

    /// <summary>The thread pool has a standing backlog (<see cref="DispatchDelayGuard"/>): 503 at once.</summary>
    Backlog,

    /// <summary>The memory governor says shed: 503.</summary>
    Memory,

    /// <summary>The client's API key is over its rate: 429.</summary>
    RateLimited,

    /// <summary>Its request-start stamp is older than the queueing deadline: 503 rather than served late.</summary>
    Expired,

    /// <summary>Its request-start header is not a time: 400.</summary>
    InvalidRequestStart,
}
